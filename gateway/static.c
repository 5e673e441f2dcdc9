/*  gw_static - the web UI's files. See static.h.

    The web UI changes with each release while its URLs stay the same, so
    files are sent with "Cache-Control: no-cache": browsers keep them but
    revalidate with the ETag each time, which costs a 304 and no body.  */
#include "static.h"
#include "cab_log.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HTTP_OK 200
#define HTTP_NOT_MODIFIED 304
#define HTTP_NOT_FOUND 404

#define ETAG_MAX 64
#define HTTP_DATE_MAX 40

static const char s_index[] = "index.html";
static const char s_not_found_type[] = "text/html; charset=utf-8";
static const char s_not_found_page[] =
    "<!doctype html><html lang=\"vi\"><meta charset=\"utf-8\"><title>Không tìm thấy</title>"
    "<p>Không tìm thấy trang bạn yêu cầu. <a href=\"/\">Về trang chủ</a></p></html>\n";

static const struct {
    const char *extension;
    const char *type;
} s_types[] = {
    {"html", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"json", "application/json; charset=utf-8"},
    {"webmanifest", "application/manifest+json"},
    {"txt", "text/plain; charset=utf-8"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"ico", "image/x-icon"},
    {"woff2", "font/woff2"},
    {"woff", "font/woff"},
    {"pdf", "application/pdf"},
    {NULL, NULL},
};

const char *
gw_static_type (const char *name)
{
    const char *slash = strrchr (name, '/');
    const char *dot = strrchr (slash ? slash : name, '.');
    if (dot)
        for (int i = 0; s_types[i].extension; i++)
            if (strcasecmp (dot + 1, s_types[i].extension) == 0)
                return s_types[i].type;
    return "application/octet-stream";
}

bool
gw_static_path_ok (const char *path)
{
    if (path[0] != '/' || strchr (path, '\\'))
        return false;
    //  Every segment after a '/' must not start with '.': that refuses ".",
    //  ".." and hidden files (.git, .env) alike.
    for (const char *at = strchr (path, '/'); at; at = strchr (at + 1, '/'))
        if (at[1] == '.')
            return false;
    return true;
}

static void
s_not_found (gw_reply_t *reply)
{
    gw_reply_text (reply, HTTP_NOT_FOUND, s_not_found_type, s_not_found_page,
                   strlen (s_not_found_page));
    snprintf (reply->error_code, sizeof reply->error_code, "not_found");
}

//  Resolve rel (starting with '/') under root into resolved, following
//  links, and check the result stays inside root. Returns 0 or -1.
static int
s_resolve (const char *root, const char *rel, char resolved[PATH_MAX])
{
    char full[PATH_MAX];
    int n = snprintf (full, sizeof full, "%s%s", root, rel);
    if (n < 0 || (size_t) n >= sizeof full)
        return -1;
    if (!realpath (full, resolved))
        return -1;
    size_t len = strlen (root);
    if (strncmp (resolved, root, len) != 0 || (resolved[len] != '/' && resolved[len] != '\0'))
        return -1;
    return 0;
}

bool
gw_etag_matches (const char *header, const char *etag)
{
    if (strcmp (header, "*") == 0)
        return true;
    size_t len = strlen (etag);
    for (const char *at = strstr (header, etag); at; at = strstr (at + 1, etag)) {
        char after = at[len];
        if (after == '\0' || after == ',' || after == ' ')
            return true;
    }
    return false;
}

void
gw_static_serve (gw_request_t *req, gw_reply_t *reply)
{
    const char *root = req->env->web_dir;
    if (!root || !gw_static_path_ok (req->path)) {
        s_not_found (reply);
        return;
    }
    char resolved[PATH_MAX];
    const char *rel = strcmp (req->path, "/") == 0 ? "/index.html" : req->path;
    if (s_resolve (root, rel, resolved)) {
        s_not_found (reply);
        return;
    }
    struct stat st;
    if (stat (resolved, &st) == 0 && S_ISDIR (st.st_mode)) {
        //  A folder stands for its index page.
        char index[PATH_MAX];
        int n = snprintf (index, sizeof index, "%s/%s", resolved + strlen (root), s_index);
        if (n < 0 || (size_t) n >= sizeof index || s_resolve (root, index, resolved)) {
            s_not_found (reply);
            return;
        }
    }
    //  The resolved path has no links left; O_NOFOLLOW refuses one that
    //  appeared since.
    int fd = open (resolved, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 || fstat (fd, &st) || !S_ISREG (st.st_mode)) {
        if (fd >= 0)
            close (fd);
        else if (errno != ENOENT && errno != ENOTDIR)
            cab_warn ("cannot open %s: %s", resolved, strerror (errno));
        s_not_found (reply);
        return;
    }

    char etag[ETAG_MAX];
    snprintf (etag, sizeof etag, "\"%llx-%llx\"", (unsigned long long) st.st_size,
              (unsigned long long) st.st_mtime);
    char modified[HTTP_DATE_MAX];
    struct tm tm;
    gmtime_r (&st.st_mtime, &tm);
    strftime (modified, sizeof modified, "%a, %d %b %Y %H:%M:%S GMT", &tm);

    bool fresh = req->if_none_match
                     ? gw_etag_matches (req->if_none_match, etag)
                     : req->if_modified_since && strcmp (req->if_modified_since, modified) == 0;
    if (fresh) {
        close (fd);
        gw_reply_empty (reply, HTTP_NOT_MODIFIED);
    } else {
        gw_reply_empty (reply, HTTP_OK);
        reply->content_type = gw_static_type (resolved);
        reply->fd = fd;
        reply->fd_size = (uint64_t) st.st_size;
    }
    gw_reply_header (reply, "ETag", etag);
    gw_reply_header (reply, "Last-Modified", modified);
    gw_reply_header (reply, "Cache-Control", "no-cache");
}
