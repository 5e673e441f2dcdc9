/*  spool - uploads in progress: one temporary file per upload under
    CABINET_DATA_DIR/tmp, named after the upload's generated id (never a
    name a client chose), written chunk by chunk at the offset the upload
    has reached. The same file system as the storage, so a finished file
    moves into the storage by rename.  */
#ifndef DOCS_SPOOL_H
#define DOCS_SPOOL_H
#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct _docs_spool_t docs_spool_t;

//  The spool in data_dir/tmp (created 0700 when missing). Returns NULL on
//  failure (logged).
docs_spool_t *docs_spool_new (const char *data_dir);

//  NULL-safe; nulls *self_p.
void docs_spool_destroy (docs_spool_t **self_p);

//  The temporary file of upload_id (a UUID) into path. Returns 0, or -1
//  when upload_id is not a UUID.
int docs_spool_path (docs_spool_t *self, const char *upload_id, char path[PATH_MAX]);

//  Create the empty temporary file of a new upload (0600, must not exist).
//  Returns 0 or -1 (errno set).
int docs_spool_create (docs_spool_t *self, const char *upload_id);

//  Write len bytes at offset, all of them. Returns 0 or -1 (errno set:
//  ENOSPC when the disk is full).
int docs_spool_write (docs_spool_t *self, const char *upload_id, int64_t offset, const void *data,
                      size_t len);

//  Read up to len bytes at offset into buf. Returns the bytes read, or -1.
ssize_t docs_spool_read (docs_spool_t *self, const char *upload_id, int64_t offset, void *buf,
                         size_t len);

//  Cut the file to size bytes (bytes past what the database recorded may
//  be there after a failed commit). Returns 0 or -1.
int docs_spool_truncate (docs_spool_t *self, const char *upload_id, int64_t size);

//  A read-only descriptor of the file (the caller closes it), or -1.
int docs_spool_open (docs_spool_t *self, const char *upload_id);

//  Remove the file. Returns 0 (also when it was gone) or -1.
int docs_spool_remove (docs_spool_t *self, const char *upload_id);

//  Remove temporary files not written to since before `before` (Unix
//  seconds): leftovers of uploads abandoned or interrupted by a crash.
//  Returns how many were removed, or -1.
int docs_spool_sweep (docs_spool_t *self, int64_t before);

#endif
