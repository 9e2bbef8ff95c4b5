"""gunicorn's settings for this project, read from the working directory at start.

The lookup of an address (/offentlig/kontrollera/?url=…) is a GET form, so the address travels in
the request line. The form accepts 500 characters, and a browser sends each non-ASCII character
percent-encoded as up to nine bytes, so a legitimate request line can pass gunicorn's default
limit of 4094 bytes; gunicorn would then answer with its own bare "400 Bad Request" instead of the
page's Swedish message. 8190 is gunicorn's maximum and holds any address the form accepts.
"""

limit_request_line = 8190
