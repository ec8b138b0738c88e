"""rfsim: radiofrequency thermal lesions in the cervical spinal cord."""

__version__ = "0.1.0"
