"""Uploads larger than the product accepts are refused before they are read."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler


class RequestSizeLimitHandler(FileUploadHandler):
    """First in FILE_UPLOAD_HANDLERS: a multipart body whose declared length is
    past MAX_REQUEST_BODY_BYTES is turned away (400) before its first byte is
    parsed, and a body that runs past it anyway is cut off as it streams."""

    def handle_raw_input(
        self, input_data, META, content_length, boundary, encoding=None
    ):
        self.limit = settings.MAX_REQUEST_BODY_BYTES
        self.received = 0
        if content_length and content_length > self.limit:
            raise RequestDataTooBig("上传的文件太大。")

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            raise RequestDataTooBig("上传的文件太大。")
        return raw_data

    def file_complete(self, file_size):
        return None
