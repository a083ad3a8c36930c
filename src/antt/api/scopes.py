"""What an agency key may read or receive. A key holds a list of these codes (`AgencyKey.scopes`)
and, separately, the units whose data it may see (`AgencyKey.units`, empty = the whole province).
Endpoints name their scope with `antt.api.agency.AgencyKeyAuth(scope)`.
"""

SCOPES: dict[str, str] = {
    "dossiers.status": "Trạng thái hồ sơ thủ tục hành chính (theo mã hồ sơ, không có dữ liệu cá nhân)",
    "establishments.read": "Danh sách cơ sở kinh doanh có điều kiện, giấy chứng nhận (không có dữ liệu cá nhân)",
    "suspensions.read": "Quyết định tước quyền sử dụng giấy phép (nguồn cấp dữ liệu tước giấy phép)",
    "lodging.stats": "Thống kê lưu trú theo quốc tịch, tháng (đã ẩn số nhỏ)",
    "opendata.read": "Dữ liệu mở qua API (không giới hạn tần suất công khai)",
    "webhooks": "Đăng ký nhận sự kiện (webhook) và xem nhật ký gửi",
}
