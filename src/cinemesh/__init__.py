"""cinemesh: a video streaming platform."""
