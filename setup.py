"""Package discovery for the folder-to-namespace mapping declared in pyproject.toml."""

from setuptools import find_namespace_packages, find_packages, setup

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

# The data a translation needs ships inside the wheel as netrosetta/_data/<folder> (read through
# netrosetta.paths); every sub-folder is listed so that each one's files are package data.
DATA = ("mappings", "mibs", "yang")
data_files = {}
for folder in DATA:
    pkg = f"netrosetta._data.{folder}"
    for sub in ["", *find_namespace_packages(folder)]:
        name = f"{pkg}.{sub}" if sub else pkg
        packages.append(name)
        package_dir[name] = f"{folder}/{sub.replace('.', '/')}" if sub else folder
        data_files[name] = ["*"]

setup(packages=packages, package_dir=package_dir,
      package_data={"": ["*.yaml", "*.json", "*.proto", "*.html", "*.js", "*.css", "*.ttp", "*.textfsm",
                         "*.snmprec"], **data_files})
