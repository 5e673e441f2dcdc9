/*  cab_actor - who is acting, as the services' rules see it: the RPC
    caller's person and agency and the identity roles held there
    (system_admin, unit_admin, clerk, approver; member is the absence of
    the others).  */
#ifndef CAB_ACTOR_H
#define CAB_ACTOR_H
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    const char *user_id;  //  borrowed; NULL when unknown
    const char *unit_id;  //  the caller's own agency, where the roles are held
    bool system_admin;
    bool unit_admin;
    bool clerk;
    bool approver;  //  "lãnh đạo phê duyệt": approves meetings and documents
} cab_actor_t;

//  Fill self from a caller's ids and role names (strings borrowed; empty
//  ids become NULL).
void cab_actor_init (cab_actor_t *self, const char *user_id, const char *unit_id,
                     char *const *roles, size_t n_roles);

//  true if role is among roles[0..n).
bool cab_roles_has (char *const *roles, size_t n, const char *role);

//  true if a and b are the same non-empty id (UUIDs compare case-blind).
bool cab_same_id (const char *a, const char *b);

#endif
