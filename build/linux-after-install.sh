#!/bin/sh
# Serial modems on Linux are owned by the dialout group; the desktop user needs to be in it.
echo "StoreMAS installed. To use USB GSM modems, add your user to the 'dialout' group:"
echo "  sudo usermod -aG dialout \$USER   (then sign out and in again)"
