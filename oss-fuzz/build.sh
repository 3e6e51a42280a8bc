#!/bin/bash -eu
# OSS-Fuzz's build script for sockcmsg (projects/sockcmsg/build.sh in the
# oss-fuzz repository, whose Dockerfile clones this repository into
# $SRC/sockcmsg): the same build as ClusterFuzzLite's.
exec "$SRC/sockcmsg/.clusterfuzzlite/build.sh"
