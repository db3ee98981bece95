"""Auxiliary modules: DSP spectrum, Kalman sentence state, calibration and thresholds."""
