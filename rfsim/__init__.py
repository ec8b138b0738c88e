"""rfsim: radiofrequency thermal lesions in the cervical spinal cord."""

from rfsim.version import __version__
