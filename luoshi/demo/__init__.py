"""The demo (`luoshi demo`): every app's demo module, loaded in order. A layer above all the apps, so the
apps' demo modules need not import one another (luoshi.org.demo holds what they share)."""
