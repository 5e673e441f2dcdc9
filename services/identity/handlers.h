/*  handlers - the identity service's RPC methods (one file per group:
    h_auth.c, h_units.c, h_users.c, h_audit.c, h_directory.c) and the small
    functions they share (h_common.c). Each handler has the cab_handler_fn
    shape: it validates, authorizes, calls the store and replies.  */
#ifndef IDENT_HANDLERS_H
#define IDENT_HANDLERS_H
#include "cab_consumer.h"
#include "cab_rpc.h"
#include "rules.h"
#include "store.h"
#include "worker.h"

/* ---- h_auth.c: sign-in, sessions, own account ------------------------------- */
cab_status_t ident_login (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t ident_authenticate (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t ident_logout (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t ident_get_me (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t ident_change_password (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t ident_setup_totp (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t ident_confirm_totp (cab_call_t *call, const ProtobufCMessage *request);

/* ---- h_units.c: the agency tree ------------------------------------------- */
cab_status_t ident_list_units (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t ident_create_unit (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t ident_get_unit (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t ident_update_unit (cab_call_t *call, const ProtobufCMessage *request);

/* ---- h_users.c: accounts ---------------------------------------------------- */
cab_status_t ident_list_users (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t ident_create_user (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t ident_get_user (cab_call_t *call, const ProtobufCMessage *request);
//  h_contacts.c: e-mail and phone of people, for the node's own services.
cab_status_t ident_get_contacts (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t ident_update_user (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t ident_delete_user (cab_call_t *call, const ProtobufCMessage *request);
cab_status_t ident_reset_password (cab_call_t *call, const ProtobufCMessage *request);

/* ---- h_audit.c: the login log ---------------------------------------------- */
cab_status_t ident_list_logins (cab_call_t *call, const ProtobufCMessage *request);

/* ---- h_directory.c: the province directory --------------------------------- */
cab_status_t ident_list_directory (cab_call_t *call, const ProtobufCMessage *request);

//  Consumer of cabinet.directory: keeps other nodes' public entries (arg is
//  the service's cab_service_env_t).
cab_status_t ident_directory_consume (PGconn *db, const char *topic, const char *key,
                                      const Cabinet__V1__Event *ev, void *arg);

/* ---- h_common.c --------------------------------------------------------------- */

//  The worker state of this call.
ident_worker_t *ident_call_worker (const cab_call_t *call);

//  The acting user of this call (all false / NULL when anonymous).
void ident_call_actor (const cab_call_t *call, ident_actor_t *actor);

//  Text a person sent, ready to store: NFC, ASCII blanks trimmed at both
//  ends, in the call's arena. NULL stays NULL. If in is not valid UTF-8,
//  sets *ok to false (it is never set to true) and returns NULL.
char *ident_call_text (cab_call_t *call, const char *in, bool *ok);

//  Reply INVALID_ARGUMENT for field with message. Returns the status.
cab_status_t ident_call_invalid (cab_call_t *call, const char *field, const char *message);

//  Reply PERMISSION_DENIED with message. Returns the status.
cab_status_t ident_call_denied (cab_call_t *call, const char *message);

//  Reply a store outcome: the fault's field and message when it has one,
//  else the status's default message. Returns status.
cab_status_t ident_call_fail (cab_call_t *call, cab_status_t status, const ident_fault_t *fault);

//  Check an "id" argument: replies INVALID_ARGUMENT and returns false if
//  id is not a UUID.
bool ident_call_check_id (cab_call_t *call, const char *field, const char *id);

//  Page size from an optional limit: default IDENT_PAGE_DEFAULT; replies
//  INVALID_ARGUMENT and returns false if outside 1..IDENT_PAGE_MAX.
bool ident_call_page_size (cab_call_t *call, bool has_limit, int32_t limit, int *size);

//  Search text q as a LIKE pattern in the arena (NULL for none); replies
//  INVALID_ARGUMENT and returns false if it is too long or not UTF-8.
bool ident_call_pattern (cab_call_t *call, const char *q, const char **pattern);

//  Blank the phone and e-mail of user unless the actor may see them.
void ident_user_redact (const ident_actor_t *actor, Cabinet__V1__User *user);

//  Copy of s in the arena, cut to at most max_bytes bytes on a character
//  boundary (for directory data that may exceed our limits). NULL stays NULL.
char *ident_call_fit (cab_call_t *call, const char *s, size_t max_bytes);

//  Shared messages.
#define IDENT_MSG_NOT_ADMIN "Bạn không có quyền quản lý tài khoản"
#define IDENT_MSG_OTHER_UNIT "Quản trị đơn vị chỉ quản lý tài khoản của đơn vị mình"
#define IDENT_MSG_USER_NOT_FOUND "Không tìm thấy người dùng"
#define IDENT_MSG_UNIT_NOT_FOUND "Không tìm thấy đơn vị"
#define IDENT_MSG_NOT_UTF8 "Dữ liệu gửi lên không phải văn bản UTF-8 hợp lệ"

#endif
