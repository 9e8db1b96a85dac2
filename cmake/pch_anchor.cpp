// The one source of the targets that only build a precompiled header (SparqBuildSpeed.cmake).
