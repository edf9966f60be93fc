"""Only one thing pyproject.toml cannot say: weights/ ships as data (pyapp/_weights), without its scripts."""
from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPy(build_py):
    def find_package_modules(self, package, package_dir):
        # weights/train.py and reference_logits.py need PyTorch and the repository: not part of the package
        return [] if package in ("pyapp._weights", "pyapp._styles") else super().find_package_modules(package, package_dir)


setup(cmdclass={"build_py": BuildPy})
