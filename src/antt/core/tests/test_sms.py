import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from antt.core.sms import SmsError, normalise_phone, send_sms


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [("0912 345 678", "+84912345678"), ("+84912345678", "+84912345678"), ("84 386.123.456", "+84386123456")],
)
def test_vietnamese_mobile_numbers_are_normalised(raw, normalised):
    assert normalise_phone(raw) == normalised


@pytest.mark.parametrize("raw", ["", "12345", "0212345678", "091234567"])
def test_invalid_numbers_are_refused_in_vietnamese(raw):
    with pytest.raises(SmsError, match="không hợp lệ"):
        normalise_phone(raw)


def test_disabled_backend_sends_nothing(settings):
    settings.ANTT_SMS_BACKEND = "disabled"
    assert send_sms("0912345678", "Hồ sơ đã có kết quả") == ""


def test_http_backend_posts_json_with_the_token(settings):
    # given a local gateway that records what it receives
    received = {}

    class Gateway(BaseHTTPRequestHandler):
        def do_POST(self):
            received["auth"] = self.headers["Authorization"]
            received["body"] = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"id": "msg-1"}')

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.handle_request)
    thread.start()
    settings.ANTT_SMS_BACKEND = "http"
    settings.ANTT_SMS_URL = f"http://127.0.0.1:{server.server_port}/send"
    settings.ANTT_SMS_TOKEN = "secret-token"
    # when a message is sent
    reference = send_sms("0912345678", "Hồ sơ đã có kết quả")
    thread.join(5)
    server.server_close()
    # then the gateway got the number in international form, the text and the token
    assert reference == "msg-1"
    assert received["auth"] == "Bearer secret-token"
    assert received["body"] == {"to": "+84912345678", "text": "Hồ sơ đã có kết quả"}
