"""How pip builds this package: cargo compiles libwxface (setuptools-rust, no Python binding) and
the wheel carries it inside the ``wxface`` package, next to ``_native.py``, the second place the
loader looks. The metadata is in pyproject.toml; this file holds only what a table cannot say.

The crate is the repository's root, two levels up. An sdist has no repository around it, so it
carries the crate in ``rust/``, as ``cargo package`` lays it out.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import List, Tuple

from setuptools import setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools.command.sdist import sdist
from setuptools_rust import Binding, RustExtension, Strip
from setuptools_rust.build import build_rust

HERE = Path(__file__).resolve().parent
REPO_CRATE = HERE.parents[1] / "Cargo.toml"  # in a checkout
SDIST_CRATE = HERE / "rust" / "Cargo.toml"  # in an unpacked sdist
CRATE = SDIST_CRATE if SDIST_CRATE.is_file() else REPO_CRATE

#: The name _native.py looks for next to itself.
LIBRARY_FILE = {"darwin": "libwxface.dylib", "win32": "wxface.dll"}.get(sys.platform, "libwxface.so")


class build_rust_library(build_rust):
    """Names the library as the loader expects it (``libwxface.so``) rather than as a Python
    extension module (``libwxface.cpython-311-x86_64-linux-gnu.so``): ctypes loads it by path and
    it does not depend on the Python version."""

    def get_dylib_ext_path(self, ext: RustExtension, target_fname: str) -> str:
        module_path = super().get_dylib_ext_path(ext, target_fname)
        return os.path.join(os.path.dirname(module_path), LIBRARY_FILE)


class bdist_wheel_any_python(bdist_wheel):
    """Tags the wheel ``py3-none-<platform>``: native code for one platform, but no extension
    module, so every Python 3 on that platform can use the same wheel."""

    def get_tag(self) -> Tuple[str, str, str]:
        _, _, platform = super().get_tag()
        return "py3", "none", platform


class sdist_with_crate(sdist):
    """Adds the crate to the sdist as ``rust/``, so that a wheel builds from the sdist alone."""

    def make_release_tree(self, base_dir: str, files: List[str]) -> None:
        super().make_release_tree(base_dir, files)
        target = Path(base_dir) / "rust"
        if CRATE == SDIST_CRATE:  # an sdist made from an unpacked sdist
            shutil.copytree(SDIST_CRATE.parent, target)
            return
        with tempfile.TemporaryDirectory() as scratch:
            # --allow-dirty: like pip's build, the sdist is made from the working tree as it is.
            # --no-verify: the wheel build compiles it; compiling twice buys nothing.
            subprocess.run(
                [os.environ.get("CARGO", "cargo"), "package", "--manifest-path", str(REPO_CRATE),
                 "--package", "wxface", "--allow-dirty", "--no-verify", "--target-dir", scratch],
                check=True,
            )
            (crate,) = Path(scratch, "package").glob("wxface-*.crate")
            with tarfile.open(crate) as archive:
                if hasattr(tarfile, "data_filter"):
                    archive.extractall(scratch, filter="data")
                else:  # Pythons before the extraction filters (our own archive: trusted)
                    archive.extractall(scratch)
            shutil.copytree(Path(scratch) / crate.name[: -len(".crate")], target)
        # cargo package writes a manifest without [workspace]; with one, rust/ stays a workspace
        # of its own even when the sdist is unpacked inside another cargo workspace.
        with open(target / "Cargo.toml", "a", encoding="utf-8") as manifest:
            manifest.write("\n[workspace]\n")


setup(
    rust_extensions=[
        # Strip.All: `strip -x`, the local symbols only; the exported wxface_* functions stay.
        RustExtension("wxface.libwxface", path=str(CRATE), binding=Binding.NoBinding, strip=Strip.All),
    ],
    cmdclass={
        "build_rust": build_rust_library,
        "bdist_wheel": bdist_wheel_any_python,
        "sdist": sdist_with_crate,
    },
)
