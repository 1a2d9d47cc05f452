"""Evidence files checked before anyone relies on them (issue 15).

* :mod:`cssecure.evidence.inspect`: what a stored file says about itself (type from the
  bytes with libmagic, photo EXIF capture time and camera with Pillow, video duration and
  recorded-at time with MediaInfo). Nothing ever executes or renders a customer's file.
* :mod:`cssecure.evidence.checks`: the checks recorded on an evidence item, each
  ``{name, outcome: ok|flag|unknown, detail}``, for the agent to read.
* :mod:`cssecure.evidence.links`: one-time upload links for files over a chat's limit.
"""
