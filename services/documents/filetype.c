/*  filetype - libmagic and how its answers are sorted (see filetype.h).  */
#include "filetype.h"
#include "cab_log.h"
#include <magic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static bool
s_prefix (const char *s, const char *prefix)
{
    return s && strncasecmp (s, prefix, strlen (prefix)) == 0;
}

static bool
s_in (const char *s, const char *const *list)
{
    for (; s && *list; list++)
        if (strcasecmp (s, *list) == 0)
            return true;
    return false;
}

static const char *const s_programs[] = {
    "application/x-executable",
    "application/x-pie-executable",
    "application/x-sharedlib",
    "application/x-dosexec",
    "application/x-msdownload",
    "application/x-mach-binary",
    "application/x-elf",
    "application/x-object",
    "application/x-coredump",
    "application/x-msi",
    "application/java-archive",
    "application/x-java-applet",
    "application/vnd.microsoft.portable-executable",
    "text/x-shellscript",
    "text/x-msdos-batch",
    "application/x-bat",
    "text/x-python",
    "text/x-perl",
    "application/javascript",
    "text/javascript",
    "application/x-httpd-php",
    "text/x-php",
    "application/x-ms-shortcut",
    NULL,
};

static const char *const s_zips[] = {
    "application/zip",
    "application/x-zip",
    "application/x-zip-compressed",
    NULL,
};

static const char *const s_ole[] = {
    "application/vnd.ms-office", "application/x-ole-storage", "application/CDFV2",
    "application/CDFV2-unknown", "application/CDFV2-corrupt", NULL,
};

docs_magic_t
docs_magic_classify (const char *mime, const char *description)
{
    if (!mime)
        return DOCS_MAGIC_OTHER;
    if (strcasecmp (mime, "application/pdf") == 0)
        return DOCS_MAGIC_PDF;
    if (strcasecmp (mime, "image/jpeg") == 0)
        return DOCS_MAGIC_JPG;
    if (strcasecmp (mime, "image/png") == 0)
        return DOCS_MAGIC_PNG;
    docs_audio_t kind;
    if (docs_magic_audio (mime, description, &kind))
        return DOCS_MAGIC_AUDIO;
    if (strcasecmp (mime, "video/webm") == 0 || strcasecmp (mime, "audio/webm") == 0)
        return DOCS_MAGIC_WEBM;
    if (s_in (mime, s_programs)
        || (description && (strstr (description, "executable") || strstr (description, "PE32"))))
        return DOCS_MAGIC_EXE;
    if (strcasecmp (mime, "application/msword") == 0)
        return DOCS_MAGIC_DOC;
    if (strcasecmp (mime, "application/vnd.ms-excel") == 0)
        return DOCS_MAGIC_XLS;
    if (strcasestr (mime, "macroEnabled"))
        return DOCS_MAGIC_MACRO;
    //  Office Open XML and anything zipped: the content decides.
    if (s_in (mime, s_zips) || s_prefix (mime, "application/vnd.openxmlformats-officedocument."))
        return DOCS_MAGIC_ZIP;
    if (s_in (mime, s_ole)) {
        //  A compound file libmagic did not name: its description may.
        if (description && strstr (description, "Microsoft Excel"))
            return DOCS_MAGIC_XLS;
        if (description
            && (strstr (description, "Microsoft Office Word")
                || strstr (description, "Microsoft Word")))
            return DOCS_MAGIC_DOC;
        return DOCS_MAGIC_OLE;
    }
    return DOCS_MAGIC_OTHER;
}

//  libmagic's MIME types (file 5.44) of the audio kinds kept.
static const struct {
    const char *mime;
    docs_audio_t kind;
} s_audio_mimes[] = {
    {"audio/mpeg", DOCS_AUDIO_MP3},          {"audio/x-wav", DOCS_AUDIO_WAV},
    {"audio/wav", DOCS_AUDIO_WAV},           {"audio/vnd.wave", DOCS_AUDIO_WAV},
    {"audio/ogg", DOCS_AUDIO_OGG},           {"audio/x-ogg", DOCS_AUDIO_OGG},
    {"audio/flac", DOCS_AUDIO_FLAC},         {"audio/x-flac", DOCS_AUDIO_FLAC},
    {"audio/x-m4a", DOCS_AUDIO_M4A},         {"audio/mp4", DOCS_AUDIO_M4A},
    {"audio/x-hx-aac-adts", DOCS_AUDIO_AAC}, {"audio/x-hx-aac-adif", DOCS_AUDIO_AAC},
    {"audio/aac", DOCS_AUDIO_AAC},
};

bool
docs_magic_audio (const char *mime, const char *description, docs_audio_t *kind)
{
    if (!mime)
        return false;
    for (size_t i = 0; i < sizeof s_audio_mimes / sizeof s_audio_mimes[0]; i++)
        if (strcasecmp (mime, s_audio_mimes[i].mime) == 0) {
            *kind = s_audio_mimes[i].kind;
            //  One Ogg container, two names: Opus is told by its description.
            if (*kind == DOCS_AUDIO_OGG && description && strstr (description, "Opus audio"))
                *kind = DOCS_AUDIO_OPUS;
            return true;
        }
    return false;
}

#define EBML_CLUSTER 0x1F43B675u  //  the first cluster ends the header
#define EBML_CODEC_ID 0x86u       //  a track's CodecID, a string

bool
docs_webm_audio_only (const unsigned char *head, size_t len)
{
    bool audio = false, video = false;
    uint32_t window = 0;
    for (size_t i = 0; i < len; i++) {
        window = (window << 8) | head[i];
        if (i >= 3 && window == EBML_CLUSTER)
            break;
        //  CodecID, its size in one byte (0x80 | n), then "A_" / "V_" / "S_".
        if (head[i] != EBML_CODEC_ID || i + 3 >= len)
            continue;
        unsigned size = head[i + 1];
        if (size < 0x83 || size > 0x80 + 32 || head[i + 3] != '_')
            continue;
        if (head[i + 2] == 'A')
            audio = true;
        else if (head[i + 2] == 'V')
            video = true;
    }
    return audio && !video;
}

static uint32_t
s_le32 (const unsigned char *p)
{
    return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

//  units / per_second, rounded; -1 when unknown or beyond an int.
static int
s_seconds (uint64_t units, uint32_t per_second)
{
    if (units == 0 || per_second == 0)
        return -1;
    uint64_t seconds = (units + per_second / 2) / per_second;
    return seconds <= INT32_MAX ? (int) seconds : -1;
}

#define RIFF_HEADER 12   //  "RIFF", size, "WAVE"
#define CHUNK_HEADER 8   //  id, size
#define FMT_BYTE_RATE 8  //  offset of the byte rate in the fmt chunk

static int
s_wav_duration (const unsigned char *head, size_t len, int64_t file_size)
{
    if (len < RIFF_HEADER || memcmp (head, "RIFF", 4) != 0 || memcmp (head + 8, "WAVE", 4) != 0)
        return -1;
    uint32_t byte_rate = 0;
    size_t at = RIFF_HEADER;
    while (at + CHUNK_HEADER <= len) {
        uint32_t size = s_le32 (head + at + 4);
        if (memcmp (head + at, "fmt ", 4) == 0 && size >= 16 && at + CHUNK_HEADER + 12 <= len)
            byte_rate = s_le32 (head + at + CHUNK_HEADER + FMT_BYTE_RATE);
        else if (memcmp (head + at, "data", 4) == 0) {
            if (byte_rate == 0)
                return -1;
            //  A recorder that never came back to write the size: the rest.
            int64_t bytes = size == 0 || size == UINT32_MAX
                                ? file_size - (int64_t) (at + CHUNK_HEADER)
                                : (int64_t) size;
            return bytes > 0 ? s_seconds ((uint64_t) bytes, byte_rate) : -1;
        }
        at += CHUNK_HEADER + size + (size & 1);  //  chunks are padded to even sizes
    }
    return -1;
}

#define FLAC_STREAMINFO 8  //  "fLaC", then the first block's header

static int
s_flac_duration (const unsigned char *head, size_t len)
{
    const unsigned char *p = head + FLAC_STREAMINFO + 10;  //  after block and frame sizes
    if (len < FLAC_STREAMINFO + 18 || memcmp (head, "fLaC", 4) != 0 || (head[4] & 0x7f) != 0)
        return -1;
    uint32_t rate = (uint32_t) p[0] << 12 | (uint32_t) p[1] << 4 | p[2] >> 4;
    uint64_t samples = (uint64_t) (p[3] & 0x0f) << 32 | (uint64_t) p[4] << 24
                       | (uint64_t) p[5] << 16 | (uint64_t) p[6] << 8 | p[7];
    return s_seconds (samples, rate);
}

int
docs_audio_duration (docs_audio_t kind, const unsigned char *head, size_t len, int64_t file_size)
{
    switch (kind) {
    case DOCS_AUDIO_WAV:
        return s_wav_duration (head, len, file_size);
    case DOCS_AUDIO_FLAC:
        return s_flac_duration (head, len);
    default:
        return -1;
    }
}

int
docs_magic_doc_pages (const char *description)
{
    const char *at = description ? strstr (description, "Number of Pages: ") : NULL;
    if (!at)
        return -1;
    char *end = NULL;
    long pages = strtol (at + strlen ("Number of Pages: "), &end, 10);
    return end && pages > 0 && pages < 1000000 ? (int) pages : -1;
}

//  One libmagic answer with flags for the file on fd.
static int
s_ask (int fd, int flags, char *out, size_t cap)
{
    out[0] = '\0';
    //  No decompression: a compressed payload is not a document we keep.
    magic_t cookie = magic_open (flags | MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR);
    if (!cookie)
        return -1;
    int rc = -1;
    if (magic_load (cookie, NULL) == 0 && lseek (fd, 0, SEEK_SET) == 0) {
        const char *answer = magic_descriptor (cookie, fd);
        if (answer) {
            snprintf (out, cap, "%s", answer);
            rc = 0;
        } else
            cab_warn ("libmagic: %s", magic_error (cookie) ? magic_error (cookie) : "no answer");
    }
    magic_close (cookie);
    lseek (fd, 0, SEEK_SET);
    return rc;
}

int
docs_magic_identify (int fd, char *mime, size_t mime_cap, char *description, size_t description_cap)
{
    int rc = s_ask (fd, MAGIC_MIME_TYPE, mime, mime_cap);
    if (rc == 0)
        rc = s_ask (fd, MAGIC_NONE, description, description_cap);
    return rc;
}
