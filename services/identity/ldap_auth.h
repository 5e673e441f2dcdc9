/*  ldap_auth - sign-in against the province's LDAP directory (R1.4):
    search the entry of a login name (uid or mail) with the service account,
    then bind as that entry with the person's password. Every call opens
    and closes its own connection, so workers share nothing.  */
#ifndef IDENT_LDAP_AUTH_H
#define IDENT_LDAP_AUTH_H
#include <stdbool.h>

typedef struct {
    const char *uri;      //  ldap://... or ldaps://...; NULL/"" = LDAP off
    const char *base_dn;  //  where people are searched
    const char *bind_dn;  //  service account; "" = anonymous search
    const char *bind_password;
    long timeout_ms;  //  network and operation timeout
} ident_ldap_config_t;

typedef enum {
    IDENT_LDAP_OK = 0,
    IDENT_LDAP_REJECTED,     //  no such entry, several entries, or wrong password
    IDENT_LDAP_UNAVAILABLE,  //  the directory cannot be reached or refused the service account
} ident_ldap_result_t;

//  One directory entry's profile. Strings are NFC UTF-8, owned by the entry
//  (free with ident_ldap_entry_clear); absent attributes are NULL.
typedef struct {
    char *dn;
    char *uid;        //  lower-cased
    char *full_name;  //  displayName, else cn
    char *title;
    char *email;  //  mail
    char *phone;  //  mobile, else telephoneNumber
    char *ou;     //  the agency, matched against unit names
} ident_ldap_entry_t;

//  true if LDAP sign-in is configured.
bool ident_ldap_enabled (const ident_ldap_config_t *config);

//  Authenticate login (uid or mail) with password. An empty password is
//  refused before any bind (an empty simple bind would be anonymous). On
//  IDENT_LDAP_OK, *entry is filled (clear it after use); otherwise it is
//  left empty. Causes of UNAVAILABLE are logged here.
ident_ldap_result_t ident_ldap_authenticate (const ident_ldap_config_t *config, const char *login,
                                             const char *password, ident_ldap_entry_t *entry);

//  Free the strings of entry and zero it. NULL-safe.
void ident_ldap_entry_clear (ident_ldap_entry_t *entry);

#endif
