/*  libFuzzer target: untrusted bytes as an uploaded file through the
    documents service's whole analysis (analyze.c): libmagic, the zip and
    XML readers with their bounds, poppler's page count and text, the
    signature scan and CMS parsing, the legacy-encoding conversion.

    The first byte picks the shape, so the fuzzer reaches each reader
    without having to forge zip checksums: 0 the bytes are the file; 1, 2,
    3 they are the main XML part of a DOCX, XLSX or PPTX zipped here; 4
    they are the docProps/app.xml of a DOCX.  */
#include "analyze.h"
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zip.h>

#define OPENXML "application/vnd.openxmlformats-officedocument."
#define TYPES_HEAD                                                                                 \
    "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/"        \
    "content-types\"><Override PartName=\"/"

typedef struct {
    const char *part;  //  where the fuzz bytes go
    const char *types;
} s_shape_t;

static const s_shape_t s_shapes[] = {
    {"word/document.xml", TYPES_HEAD "word/document.xml\" ContentType=\"" OPENXML
                                     "wordprocessingml.document.main+xml\"/></Types>"},
    {"xl/workbook.xml", TYPES_HEAD "xl/workbook.xml\" ContentType=\"" OPENXML
                                   "spreadsheetml.sheet.main+xml\"/></Types>"},
    {"ppt/presentation.xml", TYPES_HEAD "ppt/presentation.xml\" ContentType=\"" OPENXML
                                        "presentationml.presentation.main+xml\"/></Types>"},
    {"docProps/app.xml", TYPES_HEAD "word/document.xml\" ContentType=\"" OPENXML
                                    "wordprocessingml.document.main+xml\"/></Types>"},
};

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

//  A zip of the shape with data as its part, in a temporary file. Returns
//  a read-only descriptor or -1.
static int
s_zip (const s_shape_t *shape, const uint8_t *data, size_t size)
{
    static char path[64];
    snprintf (path, sizeof path, "/tmp/cabinet-fuzz-pages.%d.zip", (int) getpid ());
    int error = 0;
    zip_t *za = zip_open (path, ZIP_CREATE | ZIP_TRUNCATE, &error);
    if (!za)
        return -1;
    zip_source_t *types = zip_source_buffer (za, shape->types, strlen (shape->types), 0);
    zip_source_t *part = zip_source_buffer (za, data, size, 0);
    if (!types || zip_file_add (za, "[Content_Types].xml", types, 0) < 0 || !part
        || zip_file_add (za, shape->part, part, 0) < 0 || zip_close (za) != 0) {
        zip_discard (za);
        return -1;
    }
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    unlink (path);
    return fd;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int shape = data[0] % 5;
    data++;
    size--;
    int fd = -1;
    if (shape == 0) {
        fd = memfd_create ("fuzz-pages", MFD_CLOEXEC);
        if (fd < 0 || write (fd, data, size) != (ssize_t) size) {
            if (fd >= 0)
                close (fd);
            return 0;
        }
    } else
        fd = s_zip (&s_shapes[shape - 1], data, size);
    if (fd < 0)
        return 0;
    //  Small bounds keep each run short; the code paths are the same.
    docs_analyze_opts_t opts;
    docs_analyze_opts_default (&opts, NULL);
    opts.zip.part_max = 1u << 20;
    opts.zip.total_max = 4u << 20;
    opts.zip.text_max = opts.text_max = 64u << 10;
    opts.pdf_text_seconds = 2;
    Cabinet__V1__DocumentAnalysis *a = docs_analyze_fd (fd, &opts, NULL, NULL);
    if (a) {
        if (a->text && strlen (a->text) > opts.text_max)
            abort ();  //  the bound must hold
        protobuf_c_message_free_unpacked (&a->base, NULL);
    }
    close (fd);
    return 0;
}
