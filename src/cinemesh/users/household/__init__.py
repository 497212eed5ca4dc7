"""The household under one account: profiles, devices, my list, parental controls."""
