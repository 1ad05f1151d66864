"""Every write of the front desk, by area: the queue (``queue``), the counter (``counter``), hand-out and the
evaluation pad (``handout``), centres and windows (``setup``)."""
