/*  storage - where document contents live, addressed by their SHA-256:
    the same bytes uploaded twice are stored once. A small interface (put a
    finished temporary file, open for reading, remove, exists) in front of
    a back end: a folder today (CABINET_DATA_DIR/objects/<2 hex>/<sha256>),
    an object store can be added by providing the same operations.

    Callers serialise put and remove of one address (the store takes an
    advisory lock per SHA-256): removing an object another document still
    names is the caller's mistake, never the storage's decision.  */
#ifndef DOCS_STORAGE_H
#define DOCS_STORAGE_H
#include <stdbool.h>

//  A back end: impl is its own state.
typedef struct {
    int (*put) (void *impl, const char *temp_path, const char *sha256, bool *created);
    int (*open) (void *impl, const char *sha256);
    int (*remove) (void *impl, const char *sha256);
    bool (*exists) (void *impl, const char *sha256);
    void (*destroy) (void *impl);
} docs_storage_ops_t;

typedef struct _docs_storage_t docs_storage_t;

//  A storage over a back end; takes ownership of impl (ops->destroy frees
//  it). Returns NULL on failure (impl is destroyed then).
docs_storage_t *docs_storage_new (const docs_storage_ops_t *ops, void *impl);

//  The folder back end under root (created 0700 with objects/ inside when
//  missing). Returns NULL on failure (logged).
docs_storage_t *docs_storage_fs_new (const char *root);

//  Destroy; nulls *self_p. NULL-safe.
void docs_storage_destroy (docs_storage_t **self_p);

//  Store the finished file at temp_path under sha256 (64 lower-case hex),
//  durably (synced before it is named). The temporary file is gone
//  afterwards either way: moved in, or removed when the object existed
//  already (*created false). Returns 0, or -1 (errno set; logged) with
//  temp_path left in place.
int docs_storage_put (docs_storage_t *self, const char *temp_path, const char *sha256,
                      bool *created);

//  A read-only file descriptor of object sha256 (the caller closes it), or
//  -1 (errno ENOENT when there is none).
int docs_storage_open (docs_storage_t *self, const char *sha256);

//  Remove object sha256. Returns 0 (also when it did not exist) or -1.
int docs_storage_remove (docs_storage_t *self, const char *sha256);

//  true if object sha256 exists.
bool docs_storage_exists (docs_storage_t *self, const char *sha256);

//  The address of the file on fd: the lower-case hex SHA-256 of its bytes
//  (read with pread from the start) into out. Returns 0 or -1.
int docs_storage_address_of (int fd, char out[65]);

//  true if s is 64 lower-case hex digits (a storage address).
bool docs_storage_address_valid (const char *s);

#endif
