/*  h_contacts - identity.GetContacts: the e-mail and phone of people, for
    the node's own services (the notifications service's SMS), since phone
    numbers never travel in events. Not routed by the gateway: only what can
    reach identity's RPC socket inside the node (the gateway and the
    notifications service, by the network policies) can call it.  */
#include "cab_db.h"
#include "cab_uuid.h"
#include "cabinet/v1/identity.pb-c.h"
#include "handlers.h"

#define CONTACTS_MAX 500

static const char SQL_CONTACTS[] =
    "SELECT id, email, phone, active FROM users WHERE id = ANY ($1::uuid[])";

cab_status_t
ident_get_contacts (cab_call_t *call, const ProtobufCMessage *request)
{
    const Cabinet__V1__ContactsRequest *req = (const void *) request;
    if (req->n_user_ids > CONTACTS_MAX)
        return cab_call_error (call, CAB_INVALID_ARGUMENT, "user_ids",
                               "Quá nhiều người trong một yêu cầu");
    for (size_t i = 0; i < req->n_user_ids; i++)
        if (!req->user_ids[i] || !cab_uuid_valid (req->user_ids[i]))
            return cab_call_error (call, CAB_INVALID_ARGUMENT, "user_ids",
                                   "Mã người dùng không hợp lệ");
    ident_worker_t *worker = call->worker;
    const char *params[] = {cab_db_array (call->arena, req->user_ids, req->n_user_ids)};
    PGresult *res = PQexecParams (worker->db, SQL_CONTACTS, 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus (res) != PGRES_TUPLES_OK) {
        PQclear (res);
        return cab_call_error (call, CAB_UNAVAILABLE, NULL, NULL);
    }
    int rows = PQntuples (res);
    Cabinet__V1__ContactList *out = cab_arena_alloc (call->arena, sizeof *out);
    Cabinet__V1__Contact *items =
        cab_arena_alloc (call->arena, (size_t) (rows ? rows : 1) * sizeof *items);
    Cabinet__V1__Contact **list =
        cab_arena_alloc (call->arena, (size_t) (rows ? rows : 1) * sizeof *list);
    if (!out || !items || !list) {
        PQclear (res);
        return cab_call_error (call, CAB_INTERNAL, NULL, NULL);
    }
    cabinet__v1__contact_list__init (out);
    for (int i = 0; i < rows; i++) {
        cabinet__v1__contact__init (&items[i]);
        items[i].user_id = cab_db_text (call->arena, res, i, 0);
        items[i].email = PQgetisnull (res, i, 1) ? NULL : cab_db_text (call->arena, res, i, 1);
        items[i].phone = PQgetisnull (res, i, 2) ? NULL : cab_db_text (call->arena, res, i, 2);
        items[i].has_active = true;
        items[i].active = cab_db_bool (res, i, 3);
        list[i] = &items[i];
    }
    out->items = list;
    out->n_items = (size_t) rows;
    PQclear (res);
    return cab_call_reply (call, out);
}
