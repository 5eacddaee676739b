"""Documents that come out of the portal: a PDF per cooperative, the federation's synthesis."""
