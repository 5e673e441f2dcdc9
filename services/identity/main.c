/*  cabinet-identity - agencies, accounts, roles, sign-in (local and LDAP,
    TOTP), sessions, the login log and the province directory. This file
    only declares the service; cab_service_main runs it.  */
#include "cab_config.h"
#include "cab_service.h"
#include "handlers.h"
#include "seed.h"
#include "worker.h"

//  The service's SQL migrations (services/identity/sql/), embedded.
extern const cab_embedded_file_t identity_embedded[];

#define ANONYMOUS CAB_METHOD_ANONYMOUS
#define PASSWORD_CHANGE CAB_METHOD_PASSWORD_CHANGE

static const cab_method_t s_methods[] = {
    {"identity.Login", &cabinet__v1__login_request__descriptor, ident_login, ANONYMOUS},
    {"identity.Authenticate", &cabinet__v1__authenticate_request__descriptor, ident_authenticate,
     ANONYMOUS},
    {"identity.Logout", &cabinet__v1__empty__descriptor, ident_logout, PASSWORD_CHANGE},
    {"identity.GetMe", &cabinet__v1__empty__descriptor, ident_get_me, PASSWORD_CHANGE},
    {"identity.ChangePassword", &cabinet__v1__change_password_request__descriptor,
     ident_change_password, PASSWORD_CHANGE},
    {"identity.SetupTotp", &cabinet__v1__empty__descriptor, ident_setup_totp, 0},
    {"identity.ConfirmTotp", &cabinet__v1__totp_confirm_request__descriptor, ident_confirm_totp, 0},
    {"identity.ListUnits", &cabinet__v1__list_units_request__descriptor, ident_list_units, 0},
    {"identity.CreateUnit", &cabinet__v1__create_unit_request__descriptor, ident_create_unit, 0},
    {"identity.GetUnit", &cabinet__v1__id_request__descriptor, ident_get_unit, 0},
    {"identity.UpdateUnit", &cabinet__v1__update_unit_request__descriptor, ident_update_unit, 0},
    {"identity.ListUsers", &cabinet__v1__list_users_request__descriptor, ident_list_users, 0},
    {"identity.CreateUser", &cabinet__v1__create_user_request__descriptor, ident_create_user, 0},
    {"identity.GetUser", &cabinet__v1__id_request__descriptor, ident_get_user, 0},
    {"identity.UpdateUser", &cabinet__v1__update_user_request__descriptor, ident_update_user, 0},
    {"identity.DeleteUser", &cabinet__v1__id_request__descriptor, ident_delete_user, 0},
    {"identity.ResetPassword", &cabinet__v1__id_request__descriptor, ident_reset_password, 0},
    {"identity.ListLogins", &cabinet__v1__list_logins_request__descriptor, ident_list_logins, 0},
    {"identity.ListDirectory", &cabinet__v1__list_directory_request__descriptor,
     ident_list_directory, 0},
    //  internal: not routed by the gateway (h_contacts.c)
    {"identity.GetContacts", &cabinet__v1__contacts_request__descriptor, ident_get_contacts,
     CAB_METHOD_ANONYMOUS},
    {NULL, NULL, NULL, 0},
};

static const char *const s_directory_topics[] = {CAB_DIRECTORY_TOPIC, NULL};

static const cab_service_consumer_t s_consumers[] = {
    {"directory", s_directory_topics, ident_directory_consume, NULL},
    {NULL, NULL, NULL, NULL},
};

static const cab_service_t s_identity = {
    .name = "identity",
    .methods = s_methods,
    .migrations = identity_embedded,
    .worker_new = ident_worker_new,
    .worker_destroy = ident_worker_destroy,
    .worker_ready = ident_worker_ready,
    .on_start = ident_seed_on_start,
    .command = ident_seed_command,
    .consumers = s_consumers,
};

int
main (int argc, char **argv)
{
    return cab_service_main (&s_identity, argc, argv);
}
