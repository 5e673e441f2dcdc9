/*  storage - the storage interface and its folder back end (see storage.h).
    An object is named by rename(2) of a synced temporary file in the same
    file system, so a reader never sees half an object; the folder is
    synced after the rename so the name survives a crash.  */
#include "storage.h"
#include "cab_log.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIR_MODE 0700
#define FAN_OUT 2  //  hex digits of the sub-folder

struct _docs_storage_t {
    docs_storage_ops_t ops;
    void *impl;
};

docs_storage_t *
docs_storage_new (const docs_storage_ops_t *ops, void *impl)
{
    docs_storage_t *self = calloc (1, sizeof *self);
    if (!self) {
        ops->destroy (impl);
        return NULL;
    }
    self->ops = *ops;
    self->impl = impl;
    return self;
}

void
docs_storage_destroy (docs_storage_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    docs_storage_t *self = *self_p;
    self->ops.destroy (self->impl);
    free (self);
    *self_p = NULL;
}

bool
docs_storage_address_valid (const char *s)
{
    if (!s || strlen (s) != 64)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

int
docs_storage_address_of (int fd, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    enum { BLOCK = 1 << 16 };
    unsigned char *block = malloc (BLOCK);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
    int rc = -1;
    if (!block || !ctx || EVP_DigestInit_ex (ctx, EVP_sha256 (), NULL) != 1)
        goto cleanup;
    off_t at = 0;
    for (;;) {
        ssize_t n = pread (fd, block, BLOCK, at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            goto cleanup;
        if (n == 0)
            break;
        if (EVP_DigestUpdate (ctx, block, (size_t) n) != 1)
            goto cleanup;
        at += n;
    }
    unsigned char digest[32];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex (ctx, digest, &len) != 1 || len != sizeof digest)
        goto cleanup;
    for (unsigned i = 0; i < len; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15];
    }
    out[64] = '\0';
    rc = 0;
cleanup:
    EVP_MD_CTX_free (ctx);
    free (block);
    return rc;
}

int
docs_storage_put (docs_storage_t *self, const char *temp_path, const char *sha256, bool *created)
{
    *created = false;
    if (!docs_storage_address_valid (sha256)) {
        errno = EINVAL;
        return -1;
    }
    return self->ops.put (self->impl, temp_path, sha256, created);
}

int
docs_storage_open (docs_storage_t *self, const char *sha256)
{
    if (!docs_storage_address_valid (sha256)) {
        errno = ENOENT;
        return -1;
    }
    return self->ops.open (self->impl, sha256);
}

int
docs_storage_remove (docs_storage_t *self, const char *sha256)
{
    if (!docs_storage_address_valid (sha256)) {
        errno = EINVAL;
        return -1;
    }
    return self->ops.remove (self->impl, sha256);
}

bool
docs_storage_exists (docs_storage_t *self, const char *sha256)
{
    return docs_storage_address_valid (sha256) && self->ops.exists (self->impl, sha256);
}

/* ---- the folder back end ---------------------------------------------------------- */

#define OBJECTS_PATH_MAX (PATH_MAX - 128)  //  room for "/ab/<sha256>" after it

typedef struct {
    char objects[OBJECTS_PATH_MAX];  //  <root>/objects
} s_fs_t;

static int
s_mkdir (const char *path)
{
    if (mkdir (path, DIR_MODE) == 0 || errno == EEXIST)
        return 0;
    cab_error ("storage: cannot create %s: %s", path, strerror (errno));
    return -1;
}

//  mkdir -p: every missing folder of path.
static int
s_mkdir_p (const char *path)
{
    char copy[PATH_MAX];
    int n = snprintf (copy, sizeof copy, "%s", path);
    if (n <= 0 || (size_t) n >= sizeof copy)
        return -1;
    for (char *slash = strchr (copy + 1, '/'); slash; slash = strchr (slash + 1, '/')) {
        *slash = '\0';
        if (mkdir (copy, DIR_MODE) != 0 && errno != EEXIST) {
            cab_error ("storage: cannot create %s: %s", copy, strerror (errno));
            return -1;
        }
        *slash = '/';
    }
    return s_mkdir (copy);
}

static void
s_fs_path (const s_fs_t *fs, const char *sha256, char *dir, char *path)
{
    snprintf (dir, PATH_MAX, "%s/%.*s", fs->objects, FAN_OUT, sha256);
    snprintf (path, PATH_MAX, "%s/%.*s/%s", fs->objects, FAN_OUT, sha256, sha256);
}

static int
s_sync_path (const char *path, int flags)
{
    int fd = open (path, flags | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync (fd);
    close (fd);
    return rc;
}

static int
s_fs_put (void *impl, const char *temp_path, const char *sha256, bool *created)
{
    s_fs_t *fs = impl;
    char dir[PATH_MAX], path[PATH_MAX];
    s_fs_path (fs, sha256, dir, path);
    if (s_mkdir (dir) != 0)
        return -1;
    if (access (path, F_OK) == 0) {
        //  Content-addressed: the same bytes are there already.
        unlink (temp_path);
        return 0;
    }
    if (s_sync_path (temp_path, O_RDONLY) != 0 || rename (temp_path, path) != 0) {
        int saved = errno;
        cab_error ("storage: cannot store %s: %s", sha256, strerror (saved));
        errno = saved;
        return -1;
    }
    if (s_sync_path (dir, O_RDONLY | O_DIRECTORY) != 0)
        cab_warn ("storage: cannot sync %s: %s", dir, strerror (errno));
    *created = true;
    return 0;
}

static int
s_fs_open (void *impl, const char *sha256)
{
    char dir[PATH_MAX], path[PATH_MAX];
    s_fs_path (impl, sha256, dir, path);
    return open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
}

static int
s_fs_remove (void *impl, const char *sha256)
{
    char dir[PATH_MAX], path[PATH_MAX];
    s_fs_path (impl, sha256, dir, path);
    if (unlink (path) != 0 && errno != ENOENT) {
        cab_error ("storage: cannot remove %s: %s", sha256, strerror (errno));
        return -1;
    }
    return 0;
}

static bool
s_fs_exists (void *impl, const char *sha256)
{
    char dir[PATH_MAX], path[PATH_MAX];
    s_fs_path (impl, sha256, dir, path);
    return access (path, F_OK) == 0;
}

static void
s_fs_destroy (void *impl)
{
    free (impl);
}

static const docs_storage_ops_t s_fs_ops = {
    .put = s_fs_put,
    .open = s_fs_open,
    .remove = s_fs_remove,
    .exists = s_fs_exists,
    .destroy = s_fs_destroy,
};

docs_storage_t *
docs_storage_fs_new (const char *root)
{
    s_fs_t *fs = calloc (1, sizeof *fs);
    if (!fs)
        return NULL;
    int n = snprintf (fs->objects, sizeof fs->objects, "%s/objects", root);
    if (n < 0 || (size_t) n >= sizeof fs->objects || s_mkdir_p (root) != 0
        || s_mkdir (fs->objects) != 0) {
        free (fs);
        return NULL;
    }
    return docs_storage_new (&s_fs_ops, fs);
}
