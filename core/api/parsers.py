"""The request bodies the API reads: JSON, form fields, multipart, each refusing bad input with a 400."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's, plus: JSON nested deeper than Python's recursion limit (``[[[[…]]]]`` a few thousand deep, a
    few kilobytes) is a 400 like any other unreadable JSON, not a RecursionError and a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply") from None


PARSER_CLASSES = [JSONParser, parsers.FormParser, parsers.MultiPartParser]
