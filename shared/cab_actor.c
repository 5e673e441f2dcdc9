/*  cab_actor - see cab_actor.h.  */
#include "cab_actor.h"
#include <string.h>
#include <strings.h>

bool
cab_roles_has (char *const *roles, size_t n, const char *role)
{
    for (size_t i = 0; i < n; i++)
        if (roles[i] && strcmp (roles[i], role) == 0)
            return true;
    return false;
}

void
cab_actor_init (cab_actor_t *self, const char *user_id, const char *unit_id, char *const *roles,
                size_t n_roles)
{
    self->user_id = user_id && *user_id ? user_id : NULL;
    self->unit_id = unit_id && *unit_id ? unit_id : NULL;
    self->system_admin = cab_roles_has (roles, n_roles, "system_admin");
    self->unit_admin = cab_roles_has (roles, n_roles, "unit_admin");
    self->clerk = cab_roles_has (roles, n_roles, "clerk");
    self->approver = cab_roles_has (roles, n_roles, "approver");
}

bool
cab_same_id (const char *a, const char *b)
{
    return a && b && *a && strcasecmp (a, b) == 0;
}
