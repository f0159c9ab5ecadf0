"""Vendor envelope profiles (defined in the runtime, which generated clients import)."""

from triggerspec.runtime.profiles import PROFILES, Profile

__all__ = ["PROFILES", "Profile"]
