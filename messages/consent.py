"""Which consent text is in force. Raise the version whenever `consent_ask` changes.

People who agreed to an older version are asked again before anything new is stored;
a unit test fails if the text changes without a new version and fingerprint here.
"""

CONSENT_VERSION = 1
# sha256 of the English consent_ask text this version stands for.
CONSENT_FINGERPRINT = "d7038e97d99a1f1ab205f90fb691da8d6bba31b30a3e6a806ab4a71a53031203"
