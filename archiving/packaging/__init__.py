"""The archival package: E-ARK CSIP / FGS Paketstruktur 2.0 shaped, built by streaming."""

from .builder import PackageInfo, PackageResult, build_package, sha256_of, software_version
from .validation import PackageInvalid, validate_file

__all__ = [
    "PackageInfo",
    "PackageInvalid",
    "PackageResult",
    "build_package",
    "sha256_of",
    "software_version",
    "validate_file",
]
