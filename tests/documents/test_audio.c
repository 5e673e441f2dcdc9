/*  Unit tests of what an audio file is (a meeting's recording, R6.5),
    decided from its bytes by libmagic as Debian 12 ships it: WAV, MP3 (with
    and without ID3), Ogg Vorbis and Opus, FLAC, M4A, and WebM with audio
    tracks only (a video WebM is not a recording); the length read from WAV
    and FLAC headers; audio never taken for a document. The files are built
    here byte by byte.  */
#include "analyze.h"
#include "filetype.h"
#include "fixtures.h"
#include "rules.h"
#include <stdbool.h>
#include <string.h>
//  cmocka needs these before it, in this order.
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

static Cabinet__V1__DocumentAnalysis *
s_analyze (const fx_buf_t *b)
{
    int fd = fx_fd (b->data, b->len);
    docs_analyze_opts_t opts;
    docs_analyze_opts_default (&opts, NULL);
    Cabinet__V1__DocumentAnalysis *a = docs_analyze_fd (fd, &opts, NULL, NULL);
    close (fd);
    assert_non_null (a);
    return a;
}

static void
s_free (Cabinet__V1__DocumentAnalysis *a)
{
    protobuf_c_message_free_unpacked (&a->base, NULL);
}

static void
s_le (fx_buf_t *b, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++) {
        unsigned char c = (unsigned char) (v >> (8 * i));
        fx_put (b, &c, 1);
    }
}

//  A PCM WAV of seconds of a 440 Hz square wave, mono, 16 bit, at rate;
//  the data chunk's size left 0 unless size_known (as a streaming
//  recorder leaves it).
static fx_buf_t
s_wav (int seconds, uint32_t rate, bool size_known)
{
    fx_buf_t b = {0};
    uint32_t samples = rate * (uint32_t) seconds;
    uint32_t data = samples * 2;
    fx_put (&b, "RIFF", 4);
    s_le (&b, 36 + data, 4);
    fx_put (&b, "WAVEfmt ", 8);
    s_le (&b, 16, 4);
    s_le (&b, 1, 2);         //  PCM
    s_le (&b, 1, 2);         //  mono
    s_le (&b, rate, 4);      //  sample rate
    s_le (&b, rate * 2, 4);  //  byte rate
    s_le (&b, 2, 2);         //  block align
    s_le (&b, 16, 2);        //  bits
    fx_put (&b, "data", 4);
    s_le (&b, size_known ? data : 0, 4);
    for (uint32_t i = 0; i < samples; i++)
        s_le (&b, (uint64_t) (int64_t) ((i * 880 / rate) % 2 ? 8000 : -8000), 2);
    return b;
}

//  A FLAC stream with only its STREAMINFO (16 bit, mono): enough for libmagic.
static fx_buf_t
s_flac (uint32_t rate, uint64_t samples)
{
    fx_buf_t b = {0};
    static const unsigned char head[] = {'f', 'L', 'a', 'C', 0x80, 0, 0, 34, 0x10, 0, 0x10, 0};
    fx_put (&b, head, sizeof head);
    static const unsigned char frames[6] = {0};
    fx_put (&b, frames, sizeof frames);
    uint64_t v = (uint64_t) rate << 44 | (uint64_t) 0 << 41 | (uint64_t) 15 << 36 | samples;
    for (int i = 7; i >= 0; i--) {
        unsigned char c = (unsigned char) (v >> (8 * i));
        fx_put (&b, &c, 1);
    }
    static const unsigned char md5[16] = {0};
    fx_put (&b, md5, sizeof md5);
    return b;
}

//  One Ogg page holding an identification header (OpusHead or Vorbis).
static fx_buf_t
s_ogg (bool opus)
{
    fx_buf_t b = {0};
    static const unsigned char opus_head[] = {'O',  'p', 'u',  's',  'H', 'e', 'a', 'd', 1, 1,
                                              0x38, 1,   0x80, 0x3e, 0,   0,   0,   0,   0};
    static const unsigned char vorbis_head[] = {1,    'v',  'o',  'r',  'b', 'i', 's', 0, 0,    0,
                                                0,    1,    0x80, 0x3e, 0,   0,   0,   0, 0,    0,
                                                0x80, 0xbb, 0,    0,    0,   0,   0,   0, 0xb8, 1};
    const unsigned char *head = opus ? opus_head : vorbis_head;
    size_t len = opus ? sizeof opus_head : sizeof vorbis_head;
    static const unsigned char page[] = {'O', 'g', 'g', 'S', 0, 2, 0, 0, 0, 0, 0, 0, 0, 0,
                                         1,   0,   0,   0,   0, 0, 0, 0, 0, 0, 0, 0, 1};
    fx_put (&b, page, sizeof page);
    unsigned char segment = (unsigned char) len;
    fx_put (&b, &segment, 1);
    fx_put (&b, head, len);
    return b;
}

//  An EBML element with a one-byte size.
static void
s_ebml (fx_buf_t *b, const char *id, size_t id_len, const fx_buf_t *payload)
{
    fx_put (b, id, id_len);
    unsigned char size = (unsigned char) (0x80 | payload->len);
    fx_put (b, &size, 1);
    fx_put (b, payload->data, payload->len);
}

static void
s_ebml_bytes (fx_buf_t *b, const char *id, size_t id_len, const void *data, size_t len)
{
    fx_buf_t p = {0};
    fx_put (&p, data, len);
    s_ebml (b, id, id_len, &p);
    free (p.data);
}

//  A WebM header with one track of codec (its CodecID) and no cluster data.
static fx_buf_t
s_webm (const char *codec, unsigned char track_type)
{
    fx_buf_t header = {0}, entry = {0}, tracks = {0}, b = {0};
    s_ebml_bytes (&header, "\x42\x86", 2, "\x01", 1);
    s_ebml_bytes (&header, "\x42\xf7", 2, "\x01", 1);
    s_ebml_bytes (&header, "\x42\xf2", 2, "\x04", 1);
    s_ebml_bytes (&header, "\x42\xf3", 2, "\x08", 1);
    s_ebml_bytes (&header, "\x42\x82", 2, "webm", 4);
    s_ebml_bytes (&header, "\x42\x87", 2, "\x04", 1);
    s_ebml_bytes (&header, "\x42\x85", 2, "\x02", 1);
    s_ebml (&b, "\x1a\x45\xdf\xa3", 4, &header);
    s_ebml_bytes (&entry, "\xd7", 1, "\x01", 1);
    s_ebml_bytes (&entry, "\x83", 1, &track_type, 1);
    s_ebml_bytes (&entry, "\x86", 1, codec, strlen (codec));
    s_ebml (&tracks, "\xae", 1, &entry);
    fx_put (&b, "\x18\x53\x80\x67\x01\xff\xff\xff\xff\xff\xff\xff", 12);  //  Segment, unknown size
    s_ebml (&b, "\x16\x54\xae\x6b", 4, &tracks);
    fx_put (&b, "\x1f\x43\xb6\x75\x80", 5);  //  an empty cluster
    free (header.data);
    free (entry.data);
    free (tracks.data);
    return b;
}

//  What the service decides for a recording, and for a document (the
//  default accepted kinds), from an analysis.
static cab_status_t
s_as_recording (const Cabinet__V1__DocumentAnalysis *a, docs_fault_t *fault)
{
    docs_check_recording_type (a->file_type, a->mime_type, fault);
    return fault->status;
}

static cab_status_t
s_as_document (const Cabinet__V1__DocumentAnalysis *a, docs_fault_t *fault)
{
    docs_check_type (a->file_type, a->mime_type, a->accepted_kind ? DOCS_TYPES_ALL : 0, fault);
    return fault->status;
}

//  An analysis of audio of kind with its MIME type, accepted as a recording
//  and refused as a document.
static void
s_expect_audio (const Cabinet__V1__DocumentAnalysis *a, const char *kind, const char *mime)
{
    assert_string_equal (a->file_type, kind);
    assert_string_equal (a->mime_type, mime);
    assert_true (a->has_audio && a->audio);
    assert_false (a->accepted_kind);
    assert_int_equal (a->pages_known_case, CABINET__V1__DOCUMENT_ANALYSIS__PAGES_KNOWN__NOT_SET);
    assert_null (a->text);
    docs_fault_t fault;
    assert_int_equal (s_as_recording (a, &fault), CAB_OK);
    assert_int_equal (s_as_document (a, &fault), CAB_INVALID_ARGUMENT);
    assert_non_null (strstr (fault.message, "classification=recording"));
}

/* ---- libmagic's answers sorted ------------------------------------------------------------ */

static void
test_classify_audio_mime_types (void **state)
{
    (void) state;
    docs_audio_t kind = DOCS_AUDIO_COUNT;
    assert_int_equal (docs_magic_classify ("audio/mpeg", "MPEG ADTS, layer III"), DOCS_MAGIC_AUDIO);
    assert_true (docs_magic_audio ("audio/x-wav", "RIFF (little-endian) data, WAVE audio", &kind));
    assert_int_equal (kind, DOCS_AUDIO_WAV);
    assert_true (docs_magic_audio ("audio/ogg", "Ogg data, Opus audio, version 0.1", &kind));
    assert_int_equal (kind, DOCS_AUDIO_OPUS);
    assert_true (docs_magic_audio ("audio/ogg", "Ogg data, Vorbis audio, mono", &kind));
    assert_int_equal (kind, DOCS_AUDIO_OGG);
    assert_true (
        docs_magic_audio ("audio/x-m4a", "ISO Media, Apple iTunes ALAC/AAC-LC (.M4A)", &kind));
    assert_int_equal (kind, DOCS_AUDIO_M4A);
    assert_true (docs_magic_audio ("audio/x-hx-aac-adts", "MPEG ADTS, AAC", &kind));
    assert_int_equal (kind, DOCS_AUDIO_AAC);
    assert_int_equal (docs_magic_classify ("video/webm", "WebM"), DOCS_MAGIC_WEBM);
    assert_int_equal (docs_magic_classify ("audio/midi", "Standard MIDI data"), DOCS_MAGIC_OTHER);
    assert_int_equal (docs_magic_classify ("video/mp4", "ISO Media, MP4 v2"), DOCS_MAGIC_OTHER);
}

static void
test_webm_audio_only_by_its_tracks (void **state)
{
    (void) state;
    fx_buf_t audio = s_webm ("A_OPUS", 2);
    fx_buf_t video = s_webm ("V_VP8", 1);
    assert_true (docs_webm_audio_only ((unsigned char *) audio.data, audio.len));
    assert_false (docs_webm_audio_only ((unsigned char *) video.data, video.len));
    assert_false (docs_webm_audio_only ((unsigned char *) "", 0));
    free (audio.data);
    free (video.data);
}

static void
test_duration_from_wav_and_flac_headers (void **state)
{
    (void) state;
    fx_buf_t wav = s_wav (3, 8000, true);
    assert_int_equal (docs_audio_duration (DOCS_AUDIO_WAV, (unsigned char *) wav.data, wav.len,
                                           (int64_t) wav.len),
                      3);
    //  Only the header read, the data size unwritten: the file's size counts.
    fx_buf_t streamed = s_wav (2, 8000, false);
    assert_int_equal (docs_audio_duration (DOCS_AUDIO_WAV, (unsigned char *) streamed.data, 64,
                                           (int64_t) streamed.len),
                      2);
    assert_int_equal (
        docs_audio_duration (DOCS_AUDIO_WAV, (unsigned char *) wav.data, 20, (int64_t) wav.len),
        -1);
    fx_buf_t flac = s_flac (16000, 16000 * 90 + 7000);
    assert_int_equal (docs_audio_duration (DOCS_AUDIO_FLAC, (unsigned char *) flac.data, flac.len,
                                           (int64_t) flac.len),
                      90);
    assert_int_equal (docs_audio_duration (DOCS_AUDIO_MP3, (unsigned char *) flac.data, flac.len,
                                           (int64_t) flac.len),
                      -1);
    free (wav.data);
    free (streamed.data);
    free (flac.data);
}

/* ---- real bytes through the analysis ------------------------------------------------------ */

static void
test_wav_is_a_recording_with_its_length (void **state)
{
    (void) state;
    fx_buf_t wav = s_wav (2, 16000, true);
    Cabinet__V1__DocumentAnalysis *a = s_analyze (&wav);
    s_expect_audio (a, "wav", "audio/wav");
    assert_true (a->has_duration_seconds);
    assert_int_equal (a->duration_seconds, 2);
    s_free (a);
    free (wav.data);
}

static void
test_flac_is_a_recording_with_its_length (void **state)
{
    (void) state;
    fx_buf_t flac = s_flac (16000, 48000);
    Cabinet__V1__DocumentAnalysis *a = s_analyze (&flac);
    s_expect_audio (a, "flac", "audio/flac");
    assert_int_equal (a->duration_seconds, 3);
    s_free (a);
    free (flac.data);
}

static void
test_mp3_with_id3_is_a_recording (void **state)
{
    (void) state;
    fx_buf_t mp3 = {0};
    fx_put (&mp3, "ID3\x04\x00\x00\x00\x00\x00\x00", 10);
    //  MPEG-2 layer III frames, 24 kbit/s, 16 kHz, mono, silent.
    for (int i = 0; i < 8; i++) {
        fx_put (&mp3, "\xff\xf3\x38\xc4", 4);
        static const unsigned char silence[68] = {0};
        fx_put (&mp3, silence, sizeof silence);
    }
    Cabinet__V1__DocumentAnalysis *a = s_analyze (&mp3);
    s_expect_audio (a, "mp3", "audio/mpeg");
    assert_false (a->has_duration_seconds);
    s_free (a);
    free (mp3.data);
}

static void
test_ogg_opus_and_vorbis_are_recordings (void **state)
{
    (void) state;
    fx_buf_t opus = s_ogg (true);
    Cabinet__V1__DocumentAnalysis *a = s_analyze (&opus);
    s_expect_audio (a, "opus", "audio/ogg");
    s_free (a);
    fx_buf_t vorbis = s_ogg (false);
    a = s_analyze (&vorbis);
    s_expect_audio (a, "ogg", "audio/ogg");
    s_free (a);
    free (opus.data);
    free (vorbis.data);
}

static void
test_m4a_is_a_recording (void **state)
{
    (void) state;
    fx_buf_t m4a = {0};
    fx_put (&m4a,
            "\x00\x00\x00\x20"
            "ftypM4A \x00\x00\x00\x00"
            "M4A mp42isom\x00\x00\x00\x00",
            32);
    static const unsigned char rest[64] = {0};
    fx_put (&m4a, rest, sizeof rest);
    Cabinet__V1__DocumentAnalysis *a = s_analyze (&m4a);
    s_expect_audio (a, "m4a", "audio/mp4");
    s_free (a);
    free (m4a.data);
}

static void
test_webm_with_audio_only_is_a_recording_video_is_not (void **state)
{
    (void) state;
    fx_buf_t audio = s_webm ("A_OPUS", 2);
    Cabinet__V1__DocumentAnalysis *a = s_analyze (&audio);
    s_expect_audio (a, "webm", "audio/webm");
    s_free (a);
    fx_buf_t video = s_webm ("V_VP8", 1);
    a = s_analyze (&video);
    assert_string_equal (a->file_type, "video");
    assert_false (a->audio);
    docs_fault_t fault;
    assert_int_equal (s_as_recording (a, &fault), CAB_INVALID_ARGUMENT);
    assert_non_null (strstr (fault.message, "video"));
    assert_int_equal (s_as_document (a, &fault), CAB_INVALID_ARGUMENT);
    s_free (a);
    free (audio.data);
    free (video.data);
}

static void
test_document_is_not_a_recording (void **state)
{
    (void) state;
    fx_buf_t pdf = fx_pdf (1, "Biên bản cuộc họp", false);
    Cabinet__V1__DocumentAnalysis *a = s_analyze (&pdf);
    assert_string_equal (a->file_type, "pdf");
    assert_false (a->audio);
    docs_fault_t fault;
    assert_int_equal (s_as_recording (a, &fault), CAB_INVALID_ARGUMENT);
    assert_string_equal (fault.code, "unsupported_media_type");
    assert_non_null (strstr (fault.message, "PDF"));
    s_free (a);
    free (pdf.data);
    static const char text[] = "Không phải âm thanh.\n";
    fx_buf_t plain = {0};
    fx_put (&plain, text, sizeof text - 1);
    a = s_analyze (&plain);
    assert_int_equal (s_as_recording (a, &fault), CAB_INVALID_ARGUMENT);
    assert_non_null (strstr (fault.message, "text/plain"));
    s_free (a);
    free (plain.data);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_classify_audio_mime_types),
        cmocka_unit_test (test_webm_audio_only_by_its_tracks),
        cmocka_unit_test (test_duration_from_wav_and_flac_headers),
        cmocka_unit_test (test_wav_is_a_recording_with_its_length),
        cmocka_unit_test (test_flac_is_a_recording_with_its_length),
        cmocka_unit_test (test_mp3_with_id3_is_a_recording),
        cmocka_unit_test (test_ogg_opus_and_vorbis_are_recordings),
        cmocka_unit_test (test_m4a_is_a_recording),
        cmocka_unit_test (test_webm_with_audio_only_is_a_recording_video_is_not),
        cmocka_unit_test (test_document_is_not_a_recording),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
