/*  cab_status - the one table mapping status codes to HTTP, API error codes
    and default Vietnamese messages.  */
#include "cab_status.h"

typedef struct {
    const char *code;
    int http;
    const char *message;
} s_status_info_t;

static const s_status_info_t s_info[CAB_STATUS_MAX + 1] = {
    [CAB_OK] = {"ok", 200, "Thành công"},
    [CAB_CANCELLED] = {"cancelled", 499, "Yêu cầu đã bị hủy"},
    [CAB_UNKNOWN] = {"unknown", 500, "Lỗi không xác định"},
    [CAB_INVALID_ARGUMENT] = {"invalid_argument", 400, "Dữ liệu gửi lên không hợp lệ"},
    [CAB_DEADLINE_EXCEEDED] = {"timeout", 504, "Hệ thống phản hồi quá thời gian cho phép"},
    [CAB_NOT_FOUND] = {"not_found", 404, "Không tìm thấy"},
    [CAB_ALREADY_EXISTS] = {"already_exists", 409, "Dữ liệu đã tồn tại"},
    [CAB_PERMISSION_DENIED] = {"permission_denied", 403,
                               "Bạn không có quyền thực hiện thao tác này"},
    [CAB_RESOURCE_EXHAUSTED] = {"rate_limited", 429, "Quá nhiều yêu cầu, vui lòng thử lại sau"},
    [CAB_FAILED_PRECONDITION] = {"rule_violated", 422, "Thao tác vi phạm quy định"},
    [CAB_ABORTED] = {"conflict", 409, "Trạng thái hiện tại không cho phép thao tác này"},
    [CAB_OUT_OF_RANGE] = {"out_of_range", 400, "Giá trị nằm ngoài phạm vi cho phép"},
    [CAB_UNIMPLEMENTED] = {"unimplemented", 501, "Chức năng chưa được hỗ trợ"},
    [CAB_INTERNAL] = {"internal", 500, "Lỗi hệ thống, vui lòng thử lại sau"},
    [CAB_UNAVAILABLE] = {"unavailable", 503, "Dịch vụ tạm thời không sẵn sàng, vui lòng thử lại"},
    [CAB_DATA_LOSS] = {"data_loss", 500, "Lỗi dữ liệu"},
    [CAB_UNAUTHENTICATED] = {"unauthenticated", 401, "Bạn cần đăng nhập"},
};

static const s_status_info_t *
s_lookup (cab_status_t status)
{
    if ((int) status < 0 || status > CAB_STATUS_MAX)
        return &s_info[CAB_UNKNOWN];
    return &s_info[status];
}

const char *
cab_status_code (cab_status_t status)
{
    return s_lookup (status)->code;
}

int
cab_status_http (cab_status_t status)
{
    return s_lookup (status)->http;
}

const char *
cab_status_message (cab_status_t status)
{
    return s_lookup (status)->message;
}
