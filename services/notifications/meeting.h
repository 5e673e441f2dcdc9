/*  meeting - one meeting of the projection as notices describe it: the
    template variables (title, times dd/mm/yyyy HH:MM, room, host, chair,
    form, type, reply due) and its calendar entry.  */
#ifndef NOTIFY_MEETING_H
#define NOTIFY_MEETING_H
#include "cab_arena.h"
#include "cab_status.h"
#include "queue.h"
#include <libpq-fe.h>

#define NOTIFY_MEETING_VARS 12

typedef struct {
    const char *id;
    const char *status;
    const char *type;
    const char *created_by;  //  the organiser
    const char *chair_id;
    bool published;
    bool urgent;  //  an urgent or emergency meeting: every channel
    bool has_documents;
    int64_t start, end;
    notify_var_t vars[NOTIFY_MEETING_VARS];
    size_t n_vars;
    notify_calendar_t calendar;
    const char *url;
} notify_meeting_t;

//  Load meeting id into *m (strings in arena). CAB_NOT_FOUND if the
//  projection does not hold it.
cab_status_t notify_meeting_load (PGconn *db, cab_arena_t *arena, const char *id,
                                  notify_meeting_t *m);

//  Add a variable to m (at most NOTIFY_MEETING_VARS in all).
void notify_meeting_var (notify_meeting_t *m, const char *name, const char *value);

//  The person invitees of a meeting still expected (not declined or
//  delegated away), in arena; *n their number.
cab_status_t notify_meeting_invitees (PGconn *db, cab_arena_t *arena, const char *id, char ***ids,
                                      size_t *n);

//  A person's full name ("" when unknown), in arena.
const char *notify_person_name (PGconn *db, cab_arena_t *arena, const char *user_id);

//  CABINET_PUBLIC_URL followed by path ("/api/v1/…"), in arena.
const char *notify_public_url (cab_arena_t *arena, const char *path);

//  The web UI's address of a meeting or poll, in arena.
const char *notify_url (cab_arena_t *arena, const char *what, const char *id);

#endif
