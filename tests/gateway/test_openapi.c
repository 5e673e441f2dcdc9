/*  Unit tests: gateway/openapi.json, as embedded in the gateway, tells the
    truth about the route table: every route is documented and every
    documented operation is routed, with its success status; every $ref
    resolves; error responses use the Error schema; and the documented
    bodies, parameters and replies use the field names of the protobuf
    messages the routes are built on.  */
#include "cab_embed.h"
#include "ops.h"
#include "routes.h"
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
//  cmocka needs these before it, in this order.
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

static const char *const s_verbs[] = {"get",  "put",   "post",  "delete", "options",
                                      "head", "patch", "trace", NULL};

static int
s_setup (void **state)
{
    const cab_embedded_file_t *file = cab_embed_find (gateway_embedded, "openapi.json");
    if (!file)
        return -1;
    json_error_t error;
    json_t *doc = json_loadb (file->data, file->size, JSON_REJECT_DUPLICATES, &error);
    if (!doc) {
        fprintf (stderr, "openapi.json:%d:%d: %s\n", error.line, error.column, error.text);
        return -1;
    }
    *state = doc;
    return 0;
}

static int
s_teardown (void **state)
{
    json_decref (*state);
    return 0;
}

//  Resolve a local reference ("#/components/schemas/User"). Borrowed, NULL
//  if it leads nowhere.
static json_t *
s_resolve (json_t *doc, const char *ref)
{
    if (strncmp (ref, "#/", 2) != 0)
        return NULL;
    json_t *node = doc;
    char token[128];
    const char *at = ref + 2;
    while (node && *at) {
        size_t n = 0;
        for (; *at && *at != '/' && n < sizeof token - 1; at++) {
            if (at[0] == '~' && at[1] == '1')
                token[n++] = '/', at++;
            else if (at[0] == '~' && at[1] == '0')
                token[n++] = '~', at++;
            else
                token[n++] = *at;
        }
        token[n] = '\0';
        node = json_object_get (node, token);
        if (*at == '/')
            at++;
    }
    return node;
}

//  The object itself, or what its $ref points to.
static json_t *
s_deref (json_t *doc, json_t *node)
{
    json_t *ref = json_object_get (node, "$ref");
    return ref ? s_resolve (doc, json_string_value (ref)) : node;
}

static void
s_lower (const char *verb, char *out, size_t cap)
{
    size_t n = 0;
    for (; n < cap - 1 && verb[n]; n++)
        out[n] = (char) tolower ((unsigned char) verb[n]);
    out[n] = '\0';
}

static json_t *
s_operation (json_t *doc, const gw_route_t *route)
{
    char verb[16];
    s_lower (route->verb, verb, sizeof verb);
    json_t *path = json_object_get (json_object_get (doc, "paths"), route->pattern);
    return json_object_get (path, verb);
}

//  The JSON schema of the application/json content of a response or
//  request body (dereferenced), or NULL.
static json_t *
s_json_schema (json_t *doc, json_t *holder)
{
    json_t *media =
        json_object_get (json_object_get (s_deref (doc, holder), "content"), "application/json");
    json_t *schema = json_object_get (media, "schema");
    return schema ? s_deref (doc, schema) : NULL;
}

static bool
s_is_field (const ProtobufCMessageDescriptor *desc, const char *name)
{
    return protobuf_c_message_descriptor_get_field_by_name (desc, name) != NULL;
}

static void
test_document_is_openapi_3 (void **state)
{
    json_t *doc = *state;
    assert_string_equal (json_string_value (json_object_get (doc, "openapi")), "3.0.3");
    assert_non_null (json_object_get (json_object_get (doc, "info"), "title"));
    assert_true (json_is_object (json_object_get (doc, "paths")));
    json_t *schemes = json_object_get (json_object_get (doc, "components"), "securitySchemes");
    assert_non_null (json_object_get (schemes, "bearerAuth"));
    assert_non_null (json_object_get (schemes, "cookieAuth"));
}

static void
test_every_route_is_documented (void **state)
{
    json_t *doc = *state;
    for (const gw_route_t *route = gw_routes; route->verb; route++) {
        if (!s_operation (doc, route))
            fail_msg ("%s %s is not in openapi.json", route->verb, route->pattern);
    }
}

static void
test_every_documented_operation_is_routed (void **state)
{
    json_t *doc = *state;
    const char *path;
    json_t *item;
    json_object_foreach (json_object_get (doc, "paths"), path, item)
    {
        for (int i = 0; s_verbs[i]; i++) {
            if (!json_object_get (item, s_verbs[i]))
                continue;
            bool routed = false;
            for (const gw_route_t *route = gw_routes; route->verb && !routed; route++) {
                char verb[16];
                s_lower (route->verb, verb, sizeof verb);
                routed = strcmp (verb, s_verbs[i]) == 0 && strcmp (route->pattern, path) == 0;
            }
            if (!routed)
                fail_msg ("%s %s is documented but has no route", s_verbs[i], path);
        }
    }
}

static void
test_success_status_is_documented (void **state)
{
    json_t *doc = *state;
    for (const gw_route_t *route = gw_routes; route->verb; route++) {
        char status[8];
        snprintf (status, sizeof status, "%d", route->status);
        json_t *responses = json_object_get (s_operation (doc, route), "responses");
        if (!json_object_get (responses, status))
            fail_msg ("%s %s: response %s is not documented", route->verb, route->pattern, status);
    }
}

//  Walk every "$ref" below node; count those that lead nowhere.
static int
s_count_broken_refs (json_t *doc, json_t *node)
{
    int broken = 0;
    if (json_is_object (node)) {
        const char *key;
        json_t *value;
        json_object_foreach (node, key, value)
        {
            if (strcmp (key, "$ref") == 0) {
                if (!json_is_string (value) || !s_resolve (doc, json_string_value (value))) {
                    fprintf (stderr, "broken reference: %s\n",
                             json_is_string (value) ? json_string_value (value) : "(not text)");
                    broken++;
                }
            } else
                broken += s_count_broken_refs (doc, value);
        }
    } else if (json_is_array (node)) {
        size_t i;
        json_t *value;
        json_array_foreach (node, i, value) broken += s_count_broken_refs (doc, value);
    }
    return broken;
}

static void
test_every_reference_resolves (void **state)
{
    json_t *doc = *state;
    assert_int_equal (s_count_broken_refs (doc, doc), 0);
}

static void
test_error_responses_use_error_schema (void **state)
{
    json_t *doc = *state;
    json_t *error = s_resolve (doc, "#/components/schemas/Error");
    assert_non_null (error);
    for (const gw_route_t *route = gw_routes; route->verb; route++) {
        if (route->handler)
            continue;  //  health answers in its own shape
        const char *status;
        json_t *response;
        json_object_foreach (json_object_get (s_operation (doc, route), "responses"), status,
                             response)
        {
            if (status[0] != '4' && status[0] != '5')
                continue;
            if (s_json_schema (doc, response) != error)
                fail_msg ("%s %s: response %s does not use the Error schema", route->verb,
                          route->pattern, status);
        }
    }
}

static void
test_replies_document_every_reply_field (void **state)
{
    json_t *doc = *state;
    for (const gw_route_t *route = gw_routes; route->verb; route++) {
        if (route->handler || route->status == 204)
            continue;
        char status[8];
        snprintf (status, sizeof status, "%d", route->status);
        json_t *response =
            json_object_get (json_object_get (s_operation (doc, route), "responses"), status);
        //  A route answering another media type (the calendar feed's
        //  text/calendar) sends no JSON of its message.
        json_t *content = json_object_get (response, "content");
        if (content && !json_object_get (content, "application/json"))
            continue;
        json_t *properties = json_object_get (s_json_schema (doc, response), "properties");
        if (!properties)
            fail_msg ("%s %s: reply has no documented properties", route->verb, route->pattern);
        //  Documented and sent are the same set of names.
        const char *name;
        json_t *value;
        json_object_foreach (properties, name, value)
        {
            if (!s_is_field (route->reply, name))
                fail_msg ("%s %s: documents \"%s\", which %s does not have", route->verb,
                          route->pattern, name, route->reply->name);
        }
        for (unsigned i = 0; i < route->reply->n_fields; i++)
            if (!json_object_get (properties, route->reply->fields[i].name))
                fail_msg ("%s %s: reply field \"%s\" is not documented", route->verb,
                          route->pattern, route->reply->fields[i].name);
    }
}

static void
test_request_bodies_use_request_fields (void **state)
{
    json_t *doc = *state;
    for (const gw_route_t *route = gw_routes; route->verb; route++) {
        if (route->handler || route->sink)
            continue;  //  a sink's body is a form, not the request message
        json_t *body = json_object_get (s_operation (doc, route), "requestBody");
        if (!gw_route_takes_body (route) || !body)
            continue;
        json_t *properties = json_object_get (s_json_schema (doc, body), "properties");
        const char *name;
        json_t *value;
        json_object_foreach (properties, name, value)
        {
            if (!s_is_field (route->request, name))
                fail_msg ("%s %s: body documents \"%s\", which %s does not have", route->verb,
                          route->pattern, name, route->request->name);
        }
    }
}

static void
test_body_routes_document_their_body (void **state)
{
    json_t *doc = *state;
    for (const gw_route_t *route = gw_routes; route->verb; route++) {
        if (route->handler || !gw_route_takes_body (route))
            continue;
        if (route->sink) {
            if (!json_object_get (s_operation (doc, route), "requestBody"))
                fail_msg ("%s %s: the form is not documented", route->verb, route->pattern);
            continue;
        }
        //  Fields that are not path parameters can only come from the body.
        int body_fields = 0;
        for (unsigned i = 0; i < route->request->n_fields; i++) {
            char braces[64];
            snprintf (braces, sizeof braces, "{%s}", route->request->fields[i].name);
            body_fields += strstr (route->pattern, braces) == NULL;
        }
        if (body_fields > 0 && !json_object_get (s_operation (doc, route), "requestBody"))
            fail_msg ("%s %s: request body is not documented", route->verb, route->pattern);
    }
}

//  Check the parameters (of the path item or the operation) named in list.
static void
s_check_parameters (json_t *doc, const gw_route_t *route, json_t *list)
{
    size_t i;
    json_t *item;
    json_array_foreach (list, i, item)
    {
        json_t *param = s_deref (doc, item);
        const char *where = json_string_value (json_object_get (param, "in"));
        const char *name = json_string_value (json_object_get (param, "name"));
        assert_non_null (where);
        assert_non_null (name);
        if (strcmp (where, "query") && strcmp (where, "path"))
            continue;  //  headers: not message fields
        if (!s_is_field (route->request, name))
            fail_msg ("%s %s: parameter \"%s\" is not a field of %s", route->verb, route->pattern,
                      name, route->request->name);
        if (strcmp (where, "path") == 0) {
            char braces[64];
            snprintf (braces, sizeof braces, "{%s}", name);
            assert_non_null (strstr (route->pattern, braces));
        }
    }
}

static void
test_parameters_use_request_fields (void **state)
{
    json_t *doc = *state;
    for (const gw_route_t *route = gw_routes; route->verb; route++) {
        if (route->handler)
            continue;
        json_t *path = json_object_get (json_object_get (doc, "paths"), route->pattern);
        s_check_parameters (doc, route, json_object_get (path, "parameters"));
        s_check_parameters (doc, route, json_object_get (s_operation (doc, route), "parameters"));
    }
}

static void
test_anonymous_routes_need_no_security (void **state)
{
    json_t *doc = *state;
    for (const gw_route_t *route = gw_routes; route->verb; route++) {
        json_t *security = json_object_get (s_operation (doc, route), "security");
        bool open = json_is_array (security) && json_array_size (security) == 0;
        if (open != (route->auth == GW_AUTH_ANONYMOUS))
            fail_msg ("%s %s: documented security does not match the route", route->verb,
                      route->pattern);
    }
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_document_is_openapi_3),
        cmocka_unit_test (test_every_route_is_documented),
        cmocka_unit_test (test_every_documented_operation_is_routed),
        cmocka_unit_test (test_success_status_is_documented),
        cmocka_unit_test (test_every_reference_resolves),
        cmocka_unit_test (test_error_responses_use_error_schema),
        cmocka_unit_test (test_replies_document_every_reply_field),
        cmocka_unit_test (test_request_bodies_use_request_fields),
        cmocka_unit_test (test_body_routes_document_their_body),
        cmocka_unit_test (test_parameters_use_request_fields),
        cmocka_unit_test (test_anonymous_routes_need_no_security),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
