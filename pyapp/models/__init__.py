"""Model files from elsewhere: importing TF.js and PyTorch models (imports), files picked in the page (files)."""
