"""Package discovery for the folder-to-namespace mapping declared in pyproject.toml."""

from setuptools import find_packages, setup

ROOTS = {"netrosetta": "netrosetta", "netrosetta.engine": "engine",
         "netrosetta.collectors": "collectors", "netrosetta.exporter": "exporter",
         "netrosetta.service": "service"}

packages = []
package_dir = {}
for pkg, folder in ROOTS.items():
    packages.append(pkg)
    package_dir[pkg] = folder
    for sub in find_packages(folder):
        packages.append(f"{pkg}.{sub}")

setup(packages=packages, package_dir=package_dir,
      package_data={"": ["*.yaml", "*.json", "*.proto", "*.html", "*.js", "*.css", "*.ttp", "*.textfsm"]})
