"""Demo feedback (phản ánh, kiến nghị) for `load_demo`: a few items in each state, two answered
and published, so that the public pages and the officers' list have something to show.

Goes through the real services (intake.submit, handling.*): codes, deadlines, events, audit and
notifications are those of real use. Idempotent: nothing is added when demo feedback exists.
"""

from __future__ import annotations

from django.conf import settings

from antt.feedback import handling, intake, redaction
from antt.feedback.models import Feedback, FeedbackTopic
from antt.org.models import Unit, User

DEMO_PHONE_PREFIX = "09120000"  # demo senders' phones: 0912000001 …


def _submit(n: int, *, dossier_code: str = "", **fields) -> Feedback:
    raw = {
        "kind": "proposal",
        "subject": "rule",
        "sender_kind": "person",
        "sender_address": "Phường Hạc Thành, tỉnh Thanh Hóa",
        "sender_phone": f"{DEMO_PHONE_PREFIX}{n:02d}",
        "dossier_code": dossier_code,
        "consent": True,
        **fields,
    }
    data = intake.validate(raw)
    return intake.submit(data=data, client=f"demo-{n}", check_timing=False).feedback


def load_feedback_demo(commune_slug: str) -> str:
    if Feedback.objects.filter(sender_phone__startswith=DEMO_PHONE_PREFIX).exists():
        return "Phản ánh, kiến nghị minh họa: đã có."
    centre = Unit.objects.filter(slug=settings.ANTT_FEEDBACK_INTAKE_UNIT).first()
    commune = Unit.objects.filter(slug=commune_slug).first()
    desk = User.objects.filter(username="pakn").first()
    head = User.objects.filter(username="lanhdao").first()
    if not (centre and commune and desk and head):
        return "Phản ánh, kiến nghị minh họa: bỏ qua (thiếu đơn vị hoặc tài khoản minh họa)."
    topics = {t.code: t for t in FeedbackTopic.objects.all()}
    topic = next(iter(topics.values()), None)
    if topic is None:
        return "Phản ánh, kiến nghị minh họa: bỏ qua (chưa nạp chủ đề: chạy load_reference)."
    residence = next((t for code, t in topics.items() if "cu-tru" in code), topic)
    conduct = next((t for code, t in topics.items() if "can-bo" in code or "thai-do" in code), topic)

    # 1. A proposal about a rule, routed by the centre to the commune police, answered, published.
    fb = _submit(
        1,
        title="Đề nghị không yêu cầu nộp bản sao giấy tờ đã có trong Cơ sở dữ liệu quốc gia về dân cư",
        content=(
            "Khi đăng ký tạm trú tôi vẫn được yêu cầu nộp bản sao căn cước và giấy tờ chứng minh chỗ ở, "
            "trong khi thông tin đã có trong Cơ sở dữ liệu quốc gia về dân cư. Đề nghị bỏ yêu cầu này. "
            "Người gửi: Nguyễn Thị Hoa, điện thoại 0912000001."
        ),
        sender_name="Nguyễn Thị Hoa",
    )
    fb = handling.feedback_accept(officer=desk, feedback=fb, topic=residence, unit=commune)
    fb = handling.feedback_answer(
        officer=head,
        feedback=fb,
        text=(
            "Công an phường Hạc Thành trả lời: theo Luật Cư trú và Nghị định 154/2024/NĐ-CP, cơ quan đăng ký cư trú "
            "khai thác thông tin đã có trong Cơ sở dữ liệu quốc gia về dân cư và không yêu cầu công dân nộp lại "
            "bản sao giấy tờ đó. Chúng tôi đã chấn chỉnh cán bộ tiếp nhận và xin lỗi bà về sự phiền hà."
        ),
    )
    question, answer = redaction.propose_public(fb.content, [fb.sender_name]), fb.answer
    handling.feedback_publish(officer=head, feedback=fb, public_question=question, public_answer=answer)

    # 2. A reflection about an officer's conduct at the commune, answered and published.
    fb = _submit(
        2,
        kind="reflection",
        subject="officer",
        title="Cán bộ tiếp nhận hướng dẫn chưa rõ ràng",
        content=(
            "Sáng thứ Hai tôi đến nộp hồ sơ đăng ký thường trú, cán bộ hướng dẫn chưa rõ nên tôi phải đi lại "
            "hai lần để bổ sung giấy tờ. Đề nghị hướng dẫn đầy đủ một lần bằng văn bản."
        ),
        sender_name="Lê Văn Bình",
    )
    handling.feedback_transfer(officer=desk, feedback=fb, unit=commune)
    handling.feedback_accept(officer=head, feedback=fb, topic=conduct)
    fb = handling.feedback_answer(
        officer=head,
        feedback=fb,
        text=(
            "Công an phường Hạc Thành tiếp thu phản ánh. Từ nay mọi yêu cầu bổ sung hồ sơ được ghi một lần, đầy đủ "
            "trên Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ; cán bộ liên quan đã được nhắc nhở."
        ),
    )
    handling.feedback_publish(
        officer=head,
        feedback=fb,
        public_question=redaction.propose_public(fb.content, [fb.sender_name]),
        public_answer=fb.answer,
    )

    # 3. Accepted at the commune, waiting for the answer; 4. just received at the centre.
    fb = _submit(
        3,
        subject="other",
        title="Đề nghị bố trí thêm chỗ để xe tại trụ sở Công an phường",
        content="Trụ sở Công an phường không có chỗ để xe máy cho người dân đến làm thủ tục, phải để xe dưới lòng đường.",
        sender_name="Phạm Văn Cường",
    )
    handling.feedback_transfer(officer=desk, feedback=fb, unit=commune)
    handling.feedback_accept(officer=head, feedback=fb, topic=topics.get("co-so-vat-chat", topic))
    _submit(
        4,
        title="Đề nghị niêm yết lệ phí cấp hộ chiếu tại nơi tiếp nhận",
        content="Tại nơi tiếp nhận hồ sơ cấp hộ chiếu chưa thấy niêm yết mức lệ phí và các trường hợp được miễn, giảm.",
        sender_name="Trần Thị Dung",
    )
    return "Phản ánh, kiến nghị minh họa: 4 (2 đã trả lời và công khai, 1 đang xử lý, 1 mới tiếp nhận)."
