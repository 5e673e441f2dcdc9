/*  ldap_auth - directory sign-in with libldap: service bind, one escaped
    search, then a bind as the person's entry.  */
#include "ldap_auth.h"
#include "cab_log.h"
#include "cab_utf8.h"
#include "rules.h"
#include <ldap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FILTER_VALUE_MAX (IDENT_LOGIN_MAX * 3 + 1)  //  every byte escaped as \XX
#define SEARCH_SIZE_LIMIT 2  //  two answers are enough to know the name is ambiguous

static char *s_attributes[] = {
    "uid", "mail", "displayName", "cn", "title", "mobile", "telephoneNumber", "ou", NULL,
};

bool
ident_ldap_enabled (const ident_ldap_config_t *config)
{
    return config && config->uri && *config->uri;
}

void
ident_ldap_entry_clear (ident_ldap_entry_t *entry)
{
    if (!entry)
        return;
    free (entry->dn);
    free (entry->uid);
    free (entry->full_name);
    free (entry->title);
    free (entry->email);
    free (entry->phone);
    free (entry->ou);
    memset (entry, 0, sizeof *entry);
}

//  true for the libldap results that mean "could not talk to the server".
static bool
s_unreachable (int rc)
{
    return rc == LDAP_SERVER_DOWN || rc == LDAP_TIMEOUT || rc == LDAP_CONNECT_ERROR
           || rc == LDAP_UNAVAILABLE || rc == LDAP_BUSY || rc == LDAP_TIMELIMIT_EXCEEDED;
}

//  First value of attribute name in entry e as a new NFC string, or NULL if
//  absent or not clean UTF-8.
static char *
s_first_value (LDAP *ld, LDAPMessage *e, const char *name)
{
    struct berval **values = ldap_get_values_len (ld, e, name);
    if (!values)
        return NULL;
    char *result = NULL;
    if (values[0] && values[0]->bv_len > 0
        && cab_utf8_valid (values[0]->bv_val, values[0]->bv_len)) {
        char *raw = strndup (values[0]->bv_val, values[0]->bv_len);
        if (raw) {
            result = cab_utf8_nfc (raw);
            free (raw);
        }
    }
    ldap_value_free_len (values);
    return result;
}

static void
s_ascii_lower (char *s)
{
    for (; s && *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char) (*s - 'A' + 'a');
}

static void
s_read_entry (LDAP *ld, LDAPMessage *e, ident_ldap_entry_t *entry)
{
    entry->uid = s_first_value (ld, e, "uid");
    s_ascii_lower (entry->uid);
    entry->full_name = s_first_value (ld, e, "displayName");
    if (!entry->full_name)
        entry->full_name = s_first_value (ld, e, "cn");
    entry->title = s_first_value (ld, e, "title");
    entry->email = s_first_value (ld, e, "mail");
    entry->phone = s_first_value (ld, e, "mobile");
    if (!entry->phone)
        entry->phone = s_first_value (ld, e, "telephoneNumber");
    entry->ou = s_first_value (ld, e, "ou");
}

static int
s_simple_bind (LDAP *ld, const char *dn, const char *password)
{
    struct berval cred;
    cred.bv_val = (char *) (password ? password : "");
    cred.bv_len = password ? strlen (password) : 0;
    return ldap_sasl_bind_s (ld, dn ? dn : "", LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
}

static LDAP *
s_connect (const ident_ldap_config_t *config)
{
    LDAP *ld = NULL;
    int rc = ldap_initialize (&ld, config->uri);
    if (rc != LDAP_SUCCESS) {
        cab_error ("ldap: cannot use %s: %s", config->uri, ldap_err2string (rc));
        return NULL;
    }
    int version = LDAP_VERSION3;
    struct timeval timeout = {.tv_sec = config->timeout_ms / 1000,
                              .tv_usec = (config->timeout_ms % 1000) * 1000};
    if (ldap_set_option (ld, LDAP_OPT_PROTOCOL_VERSION, &version) != LDAP_OPT_SUCCESS
        || ldap_set_option (ld, LDAP_OPT_NETWORK_TIMEOUT, &timeout) != LDAP_OPT_SUCCESS
        || ldap_set_option (ld, LDAP_OPT_TIMEOUT, &timeout) != LDAP_OPT_SUCCESS
        || ldap_set_option (ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != LDAP_OPT_SUCCESS) {
        cab_error ("ldap: cannot set connection options");
        ldap_unbind_ext_s (ld, NULL, NULL);
        return NULL;
    }
    return ld;
}

ident_ldap_result_t
ident_ldap_authenticate (const ident_ldap_config_t *config, const char *login, const char *password,
                         ident_ldap_entry_t *entry)
{
    memset (entry, 0, sizeof *entry);
    if (!ident_ldap_enabled (config) || !login || !*login || strlen (login) > IDENT_LOGIN_MAX)
        return IDENT_LDAP_REJECTED;
    //  An empty password makes a simple bind anonymous, which "succeeds".
    if (!password || !*password)
        return IDENT_LDAP_REJECTED;

    char value[FILTER_VALUE_MAX];
    char filter[2 * FILTER_VALUE_MAX + 32];
    if (!ident_ldap_escape (login, value, sizeof value))
        return IDENT_LDAP_REJECTED;
    snprintf (filter, sizeof filter, "(|(uid=%s)(mail=%s))", value, value);

    ident_ldap_result_t result = IDENT_LDAP_UNAVAILABLE;
    LDAPMessage *answer = NULL;
    char *dn = NULL;
    LDAP *ld = s_connect (config);
    if (!ld)
        goto cleanup;

    int rc = s_simple_bind (ld, config->bind_dn, config->bind_password);
    if (rc != LDAP_SUCCESS) {
        cab_error ("ldap: service bind as '%s' to %s failed: %s",
                   config->bind_dn ? config->bind_dn : "", config->uri, ldap_err2string (rc));
        goto cleanup;
    }
    struct timeval timeout = {.tv_sec = config->timeout_ms / 1000,
                              .tv_usec = (config->timeout_ms % 1000) * 1000};
    rc = ldap_search_ext_s (ld, config->base_dn, LDAP_SCOPE_SUBTREE, filter, s_attributes, 0, NULL,
                            NULL, &timeout, SEARCH_SIZE_LIMIT, &answer);
    if (rc == LDAP_SIZELIMIT_EXCEEDED) {
        cab_warn ("ldap: login name matches several entries; refused");
        result = IDENT_LDAP_REJECTED;
        goto cleanup;
    }
    if (rc != LDAP_SUCCESS) {
        cab_error ("ldap: search under '%s' failed: %s", config->base_dn ? config->base_dn : "",
                   ldap_err2string (rc));
        goto cleanup;
    }
    if (ldap_count_entries (ld, answer) != 1) {
        result = IDENT_LDAP_REJECTED;
        goto cleanup;
    }
    LDAPMessage *e = ldap_first_entry (ld, answer);
    dn = e ? ldap_get_dn (ld, e) : NULL;
    if (!dn || !*dn) {
        result = IDENT_LDAP_REJECTED;
        goto cleanup;
    }
    s_read_entry (ld, e, entry);

    rc = s_simple_bind (ld, dn, password);
    if (rc == LDAP_SUCCESS) {
        entry->dn = cab_utf8_nfc (dn);
        result = entry->dn ? IDENT_LDAP_OK : IDENT_LDAP_REJECTED;
    } else if (s_unreachable (rc)) {
        cab_error ("ldap: bind as the user's entry failed: %s", ldap_err2string (rc));
        result = IDENT_LDAP_UNAVAILABLE;
    } else
        result = IDENT_LDAP_REJECTED;  //  invalid credentials, locked entry, ...

cleanup:
    if (result != IDENT_LDAP_OK)
        ident_ldap_entry_clear (entry);
    if (dn)
        ldap_memfree (dn);
    if (answer)
        ldap_msgfree (answer);
    if (ld)
        ldap_unbind_ext_s (ld, NULL, NULL);
    return result;
}
