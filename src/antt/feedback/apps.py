from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "antt.feedback"
    verbose_name = "Đánh giá mức độ hài lòng và phản ánh, kiến nghị"
