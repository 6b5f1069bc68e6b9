"""Static files storage: WhiteNoise's hashed, compressed files once collectstatic ran, plain names before."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ManifestOrPlainStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Without a manifest (a process started before collectstatic) every page would be a 500; plain
    names instead let WhiteNoise serve the files from the apps' folders (WHITENOISE_USE_FINDERS)."""

    def stored_name(self, name):
        if not self.hashed_files:
            return name
        return super().stored_name(name)
