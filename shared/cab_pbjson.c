/*  cab_pbjson - JSON <-> protobuf-c messages, by walking the descriptors.

    Memory for parsed messages comes from a ProtobufCAllocator laid out
    exactly as protobuf_c_message_unpack would lay it out (message structs,
    strings and repeated arrays each allocated), so with the default
    allocator protobuf_c_message_free_unpacked frees a parsed message.  */
#include "cab_pbjson.h"
#include "cab_utf8.h"
#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SET_SUFFIX "_set"  //  bool field telling that a repeated field was sent

static void *
s_alloc (ProtobufCAllocator *alloc, size_t size)
{
    if (!alloc)
        return calloc (1, size ? size : 1);
    void *p = alloc->alloc (alloc->allocator_data, size ? size : 1);
    if (p)
        memset (p, 0, size ? size : 1);
    return p;
}

static void
s_fail (cab_pbjson_error_t *err, const char *field, const char *fmt, ...)
{
    if (!err)
        return;
    snprintf (err->field, sizeof err->field, "%s", field ? field : "");
    va_list args;
    va_start (args, fmt);
    vsnprintf (err->message, sizeof err->message, fmt, args);
    va_end (args);
}

static char *
s_strdup (ProtobufCAllocator *alloc, const char *s, size_t n)
{
    char *copy = s_alloc (alloc, n + 1);
    if (copy)
        memcpy (copy, s, n);
    return copy;
}

static ProtobufCMessage *s_parse_object (const ProtobufCMessageDescriptor *desc, json_t *json,
                                         ProtobufCAllocator *alloc, const char *path,
                                         cab_pbjson_error_t *err);

//  NFC copy of a JSON string, or NULL (err filled) if it holds a NUL byte.
static char *
s_parse_string (json_t *value, ProtobufCAllocator *alloc, const char *path, cab_pbjson_error_t *err)
{
    const char *text = json_string_value (value);
    size_t length = json_string_length (value);
    if (strlen (text) != length || !cab_utf8_valid (text, length)) {
        s_fail (err, path, "Trường \"%s\" chứa ký tự không hợp lệ", path);
        return NULL;
    }
    char *nfc = cab_utf8_nfc (text);
    if (!nfc) {
        s_fail (err, path, "Trường \"%s\" chứa ký tự không hợp lệ", path);
        return NULL;
    }
    char *copy = s_strdup (alloc, nfc, strlen (nfc));
    free (nfc);
    return copy;
}

static bool
s_integer_in (json_t *value, long long min, long long max, long long *out)
{
    if (!json_is_integer (value))
        return false;
    long long v = json_integer_value (value);
    if (v < min || v > max)
        return false;
    *out = v;
    return true;
}

//  Store one JSON value into the slot for field (slot points at the member,
//  or at the array element for repeated fields). Returns 0 or -1.
static int
s_parse_value (const ProtobufCFieldDescriptor *field, json_t *value, void *slot,
               ProtobufCAllocator *alloc, const char *path, cab_pbjson_error_t *err)
{
    long long v = 0;
    switch (field->type) {
    case PROTOBUF_C_TYPE_STRING: {
        if (!json_is_string (value)) {
            s_fail (err, path, "Trường \"%s\" phải là chuỗi ký tự", path);
            return -1;
        }
        char *copy = s_parse_string (value, alloc, path, err);
        if (!copy)
            return -1;
        *(char **) slot = copy;
        return 0;
    }
    case PROTOBUF_C_TYPE_BOOL:
        if (!json_is_boolean (value)) {
            s_fail (err, path, "Trường \"%s\" phải là true hoặc false", path);
            return -1;
        }
        *(protobuf_c_boolean *) slot = json_is_true (value);
        return 0;
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        if (!s_integer_in (value, INT32_MIN, INT32_MAX, &v))
            break;
        *(int32_t *) slot = (int32_t) v;
        return 0;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        if (!s_integer_in (value, 0, UINT32_MAX, &v))
            break;
        *(uint32_t *) slot = (uint32_t) v;
        return 0;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        if (!s_integer_in (value, LLONG_MIN, LLONG_MAX, &v))
            break;
        *(int64_t *) slot = v;
        return 0;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        if (!s_integer_in (value, 0, LLONG_MAX, &v))
            break;
        *(uint64_t *) slot = (uint64_t) v;
        return 0;
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE:
        if (!json_is_number (value)) {
            s_fail (err, path, "Trường \"%s\" phải là số", path);
            return -1;
        }
        if (field->type == PROTOBUF_C_TYPE_FLOAT)
            *(float *) slot = (float) json_number_value (value);
        else
            *(double *) slot = json_number_value (value);
        return 0;
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumDescriptor *enum_desc = field->descriptor;
        const ProtobufCEnumValue *found = NULL;
        if (json_is_string (value))
            found =
                protobuf_c_enum_descriptor_get_value_by_name (enum_desc, json_string_value (value));
        else if (json_is_integer (value))
            found =
                protobuf_c_enum_descriptor_get_value (enum_desc, (int) json_integer_value (value));
        if (!found) {
            s_fail (err, path, "Giá trị của trường \"%s\" không hợp lệ", path);
            return -1;
        }
        *(int *) slot = found->value;
        return 0;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        ProtobufCMessage *sub = s_parse_object (field->descriptor, value, alloc, path, err);
        if (!sub)
            return -1;
        *(ProtobufCMessage **) slot = sub;
        return 0;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        if (!json_is_string (value)) {
            s_fail (err, path, "Trường \"%s\" phải là chuỗi base64", path);
            return -1;
        }
        const char *text = json_string_value (value);
        size_t n = strlen (text);
        unsigned char *data = s_alloc (alloc, n / 4 * 3 + 3);
        int len = data ? EVP_DecodeBlock (data, (const unsigned char *) text, (int) n) : -1;
        if (len < 0 || n % 4) {
            s_fail (err, path, "Trường \"%s\" phải là chuỗi base64", path);
            return -1;
        }
        //  EVP_DecodeBlock counts padding bytes as data.
        for (size_t i = n; i > 0 && text[i - 1] == '='; i--)
            len--;
        ProtobufCBinaryData *bin = slot;
        bin->data = data;
        bin->len = (size_t) len;
        return 0;
    }
    }
    s_fail (err, path, "Trường \"%s\" phải là số nguyên hợp lệ", path);
    return -1;
}

static size_t
s_slot_size (const ProtobufCFieldDescriptor *field)
{
    switch (field->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return 4;
    case PROTOBUF_C_TYPE_FLOAT:
        return sizeof (float);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return 8;
    case PROTOBUF_C_TYPE_DOUBLE:
        return sizeof (double);
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof (protobuf_c_boolean);
    case PROTOBUF_C_TYPE_ENUM:
        return sizeof (int);
    case PROTOBUF_C_TYPE_STRING:
        return sizeof (char *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof (ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof (ProtobufCMessage *);
    }
    return 0;
}

//  Mark presence of a singular field (proto2 has_ flag for scalars).
static void
s_mark_present (ProtobufCMessage *msg, const ProtobufCFieldDescriptor *field)
{
    if (field->label == PROTOBUF_C_LABEL_OPTIONAL && field->type != PROTOBUF_C_TYPE_STRING
        && field->type != PROTOBUF_C_TYPE_MESSAGE && field->quantifier_offset)
        *(protobuf_c_boolean *) ((char *) msg + field->quantifier_offset) = 1;
}

//  If msg has a bool "<name>_set", set it: tells that repeated <name> was sent.
static void
s_mark_repeated_sent (ProtobufCMessage *msg, const ProtobufCFieldDescriptor *field)
{
    char name[128];
    snprintf (name, sizeof name, "%s" SET_SUFFIX, field->name);
    const ProtobufCFieldDescriptor *flag =
        protobuf_c_message_descriptor_get_field_by_name (msg->descriptor, name);
    if (flag && flag->type == PROTOBUF_C_TYPE_BOOL && flag->label != PROTOBUF_C_LABEL_REPEATED) {
        *(protobuf_c_boolean *) ((char *) msg + flag->offset) = 1;
        s_mark_present (msg, flag);
    }
}

//  true if name is "<x>_set" for a repeated field x: set by the parser
//  itself, never accepted from a client.
static bool
s_is_presence_flag (const ProtobufCMessageDescriptor *desc, const char *name)
{
    size_t n = strlen (name), suffix = strlen (SET_SUFFIX);
    if (n <= suffix || strcmp (name + n - suffix, SET_SUFFIX) != 0 || n - suffix >= 128)
        return false;
    char base[128];
    memcpy (base, name, n - suffix);
    base[n - suffix] = '\0';
    const ProtobufCFieldDescriptor *field =
        protobuf_c_message_descriptor_get_field_by_name (desc, base);
    return field && field->label == PROTOBUF_C_LABEL_REPEATED;
}

static ProtobufCMessage *
s_parse_object (const ProtobufCMessageDescriptor *desc, json_t *json, ProtobufCAllocator *alloc,
                const char *path, cab_pbjson_error_t *err)
{
    if (!json_is_object (json)) {
        if (*path)
            s_fail (err, path, "Trường \"%s\" phải là một đối tượng", path);
        else
            s_fail (err, "", "Nội dung phải là một đối tượng JSON");
        return NULL;
    }
    ProtobufCMessage *msg = s_alloc (alloc, desc->sizeof_message);
    if (!msg) {
        s_fail (err, path, "Không đủ bộ nhớ");
        return NULL;
    }
    desc->message_init (msg);
    const char *key;
    json_t *value;
    json_object_foreach (json, key, value)
    {
        char field_path[64];
        snprintf (field_path, sizeof field_path, "%s%s%s", path, *path ? "." : "", key);
        const ProtobufCFieldDescriptor *field =
            protobuf_c_message_descriptor_get_field_by_name (desc, key);
        if (!field || (field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
            || s_is_presence_flag (desc, key)) {
            s_fail (err, field_path, "Trường \"%s\" không được hỗ trợ", field_path);
            goto fail;
        }
        if (json_is_null (value))
            continue;
        if (field->label != PROTOBUF_C_LABEL_REPEATED) {
            if (s_parse_value (field, value, (char *) msg + field->offset, alloc, field_path, err)
                != 0)
                goto fail;
            s_mark_present (msg, field);
            continue;
        }
        if (!json_is_array (value)) {
            s_fail (err, field_path, "Trường \"%s\" phải là một danh sách", field_path);
            goto fail;
        }
        size_t count = json_array_size (value);
        size_t size = s_slot_size (field);
        char *items = count ? s_alloc (alloc, count * size) : NULL;
        if (count && !items)
            goto fail;
        for (size_t i = 0; i < count; i++) {
            char item_path[96];
            snprintf (item_path, sizeof item_path, "%.60s[%zu]", field_path, i);
            if (s_parse_value (field, json_array_get (value, i), items + i * size, alloc, item_path,
                               err)
                != 0) {
                //  Attach what was parsed so a NULL-allocator free finds it.
                *(size_t *) ((char *) msg + field->quantifier_offset) = i;
                *(void **) ((char *) msg + field->offset) = items;
                goto fail;
            }
        }
        *(size_t *) ((char *) msg + field->quantifier_offset) = count;
        *(void **) ((char *) msg + field->offset) = items;
        s_mark_repeated_sent (msg, field);
    }
    return msg;
fail:
    if (!alloc)
        protobuf_c_message_free_unpacked (msg, NULL);
    return NULL;
}

ProtobufCMessage *
cab_pbjson_parse (const ProtobufCMessageDescriptor *desc, json_t *json, ProtobufCAllocator *alloc,
                  cab_pbjson_error_t *err)
{
    if (err)
        err->field[0] = err->message[0] = '\0';
    return s_parse_object (desc, json, alloc, "", err);
}

bool
cab_pbjson_has_field (const ProtobufCMessageDescriptor *desc, const char *field)
{
    return protobuf_c_message_descriptor_get_field_by_name (desc, field) != NULL;
}

int
cab_pbjson_set (ProtobufCMessage *msg, const char *name, const char *value,
                ProtobufCAllocator *alloc, cab_pbjson_error_t *err)
{
    const ProtobufCFieldDescriptor *field =
        protobuf_c_message_descriptor_get_field_by_name (msg->descriptor, name);
    if (!field || field->type == PROTOBUF_C_TYPE_MESSAGE || field->type == PROTOBUF_C_TYPE_BYTES) {
        s_fail (err, name, "Tham số \"%s\" không được hỗ trợ", name);
        return -1;
    }
    //  Turn the text into the JSON value it stands for, then reuse the parser.
    json_t *json = NULL;
    if (field->type == PROTOBUF_C_TYPE_STRING || field->type == PROTOBUF_C_TYPE_ENUM)
        json = json_string (value);
    else if (field->type == PROTOBUF_C_TYPE_BOOL) {
        if (strcmp (value, "true") == 0 || strcmp (value, "1") == 0)
            json = json_true ();
        else if (strcmp (value, "false") == 0 || strcmp (value, "0") == 0)
            json = json_false ();
    } else if (*value) {
        char *end = NULL;
        errno = 0;
        if (field->type == PROTOBUF_C_TYPE_FLOAT || field->type == PROTOBUF_C_TYPE_DOUBLE) {
            double d = strtod (value, &end);
            if (!errno && !*end)
                json = json_real (d);
        } else {
            long long v = strtoll (value, &end, 10);
            if (!errno && !*end)
                json = json_integer (v);
        }
    }
    if (!json) {
        s_fail (err, name, "Giá trị của tham số \"%s\" không hợp lệ", name);
        return -1;
    }
    int rc = -1;
    if (field->label != PROTOBUF_C_LABEL_REPEATED) {
        rc = s_parse_value (field, json, (char *) msg + field->offset, alloc, name, err);
        if (rc == 0)
            s_mark_present (msg, field);
    } else {
        size_t *count = (size_t *) ((char *) msg + field->quantifier_offset);
        void **items = (void **) ((char *) msg + field->offset);
        size_t size = s_slot_size (field);
        char *grown = s_alloc (alloc, (*count + 1) * size);
        if (grown && s_parse_value (field, json, grown + *count * size, alloc, name, err) == 0) {
            if (*count)
                memcpy (grown, *items, *count * size);
            if (!alloc)
                free (*items);
            *items = grown;
            (*count)++;
            s_mark_repeated_sent (msg, field);
            rc = 0;
        } else if (!alloc)
            free (grown);
    }
    json_decref (json);
    return rc;
}

/* ---- dump ----------------------------------------------------------------- */

static json_t *s_dump_message (const ProtobufCMessage *msg);

static json_t *
s_dump_value (const ProtobufCFieldDescriptor *field, const void *slot)
{
    switch (field->type) {
    case PROTOBUF_C_TYPE_STRING: {
        const char *text = *(char *const *) slot;
        return text ? json_string (text) : json_null ();
    }
    case PROTOBUF_C_TYPE_BOOL:
        return json_boolean (*(const protobuf_c_boolean *) slot);
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        return json_integer (*(const int32_t *) slot);
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return json_integer (*(const uint32_t *) slot);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        return json_integer (*(const int64_t *) slot);
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return json_integer ((json_int_t) * (const uint64_t *) slot);
    case PROTOBUF_C_TYPE_FLOAT:
        return json_real (*(const float *) slot);
    case PROTOBUF_C_TYPE_DOUBLE:
        return json_real (*(const double *) slot);
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumValue *found =
            protobuf_c_enum_descriptor_get_value (field->descriptor, *(const int *) slot);
        return found ? json_string (found->name) : json_integer (*(const int *) slot);
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *sub = *(ProtobufCMessage *const *) slot;
        return sub ? s_dump_message (sub) : json_null ();
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *bin = slot;
        char *text = malloc (bin->len / 3 * 4 + 5);
        if (!text)
            return json_null ();
        EVP_EncodeBlock ((unsigned char *) text, bin->data, (int) bin->len);
        json_t *json = json_string (text);
        free (text);
        return json;
    }
    }
    return json_null ();
}

static json_t *
s_dump_message (const ProtobufCMessage *msg)
{
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    json_t *object = json_object ();
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *field = &desc->fields[i];
        const char *member = (const char *) msg + field->offset;
        json_t *value;
        if (field->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t count = *(const size_t *) ((const char *) msg + field->quantifier_offset);
            const char *items = *(char *const *) member;
            value = json_array ();
            for (size_t j = 0; j < count; j++)
                json_array_append_new (value,
                                       s_dump_value (field, items + j * s_slot_size (field)));
        } else if ((field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
                   && *(const uint32_t *) ((const char *) msg + field->quantifier_offset)
                          != field->id)
            //  A oneof member that is not the one set: absent, like an
            //  unset string (a oneof of one field gives a scalar presence).
            value = json_null ();
        else
            value = s_dump_value (field, member);
        json_object_set_new (object, field->name, value);
    }
    return object;
}

json_t *
cab_pbjson_dump (const ProtobufCMessage *msg)
{
    return s_dump_message (msg);
}
