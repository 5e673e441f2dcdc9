/*  spool - temporary files of uploads in progress (see spool.h).  */
#include "spool.h"
#include "cab_log.h"
#include "cab_uuid.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIR_MODE 0700
#define FILE_MODE 0600
#define SUFFIX ".part"

struct _docs_spool_t {
    char dir[PATH_MAX];
};

docs_spool_t *
docs_spool_new (const char *data_dir)
{
    docs_spool_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    int n = snprintf (self->dir, sizeof self->dir, "%s/tmp", data_dir);
    if (n < 0 || (size_t) n >= sizeof self->dir
        || (mkdir (self->dir, DIR_MODE) != 0 && errno != EEXIST)) {
        cab_error ("spool: cannot create %s/tmp: %s", data_dir, strerror (errno));
        free (self);
        return NULL;
    }
    return self;
}

void
docs_spool_destroy (docs_spool_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free (*self_p);
    *self_p = NULL;
}

int
docs_spool_path (docs_spool_t *self, const char *upload_id, char path[PATH_MAX])
{
    //  Only a UUID names a file: nothing a client sends can reach another path.
    if (!upload_id || !cab_uuid_valid (upload_id))
        return -1;
    int n = snprintf (path, PATH_MAX, "%s/%s" SUFFIX, self->dir, upload_id);
    return n > 0 && n < PATH_MAX ? 0 : -1;
}

static int
s_open (docs_spool_t *self, const char *upload_id, int flags)
{
    char path[PATH_MAX];
    if (docs_spool_path (self, upload_id, path) != 0) {
        errno = EINVAL;
        return -1;
    }
    return open (path, flags | O_CLOEXEC | O_NOFOLLOW, FILE_MODE);
}

int
docs_spool_create (docs_spool_t *self, const char *upload_id)
{
    int fd = s_open (self, upload_id, O_WRONLY | O_CREAT | O_EXCL);
    if (fd < 0)
        return -1;
    close (fd);
    return 0;
}

int
docs_spool_write (docs_spool_t *self, const char *upload_id, int64_t offset, const void *data,
                  size_t len)
{
    int fd = s_open (self, upload_id, O_WRONLY);
    if (fd < 0)
        return -1;
    const char *p = data;
    int rc = 0;
    while (len > 0) {
        ssize_t n = pwrite (fd, p, len, (off_t) offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = -1;
            break;
        }
        p += n;
        len -= (size_t) n;
        offset += n;
    }
    int saved = errno;
    close (fd);
    errno = saved;
    return rc;
}

ssize_t
docs_spool_read (docs_spool_t *self, const char *upload_id, int64_t offset, void *buf, size_t len)
{
    int fd = s_open (self, upload_id, O_RDONLY);
    if (fd < 0)
        return -1;
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread (fd, (char *) buf + got, len - got, (off_t) (offset + (int64_t) got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t) n;
    }
    close (fd);
    return (ssize_t) got;
}

int
docs_spool_truncate (docs_spool_t *self, const char *upload_id, int64_t size)
{
    int fd = s_open (self, upload_id, O_WRONLY);
    if (fd < 0)
        return -1;
    int rc = ftruncate (fd, (off_t) size);
    close (fd);
    return rc;
}

int
docs_spool_open (docs_spool_t *self, const char *upload_id)
{
    return s_open (self, upload_id, O_RDONLY);
}

int
docs_spool_remove (docs_spool_t *self, const char *upload_id)
{
    char path[PATH_MAX];
    if (docs_spool_path (self, upload_id, path) != 0)
        return -1;
    if (unlink (path) != 0 && errno != ENOENT) {
        cab_warn ("spool: cannot remove %s: %s", path, strerror (errno));
        return -1;
    }
    return 0;
}

int
docs_spool_sweep (docs_spool_t *self, int64_t before)
{
    DIR *dir = opendir (self->dir);
    if (!dir)
        return -1;
    int removed = 0;
    struct dirent *entry;
    while ((entry = readdir (dir))) {
        size_t len = strlen (entry->d_name);
        size_t suffix = strlen (SUFFIX);
        if (len != CAB_UUID_LEN + suffix || strcmp (entry->d_name + CAB_UUID_LEN, SUFFIX) != 0)
            continue;
        struct stat st;
        if (fstatat (dirfd (dir), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0
            || !S_ISREG (st.st_mode) || (int64_t) st.st_mtime >= before)
            continue;
        if (unlinkat (dirfd (dir), entry->d_name, 0) == 0)
            removed++;
    }
    closedir (dir);
    return removed;
}
