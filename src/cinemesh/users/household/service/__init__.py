"""Use cases of the household: profiles and parental controls, devices and my list."""
