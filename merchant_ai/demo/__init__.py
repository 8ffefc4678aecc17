"""The demo shop "Hearth & Thread": a seeded two-year simulation imported through real export files.

`generate(seed, end_date)` returns the ground truth (`DemoHistory`); `exports.export_files` writes
it as Shopify/Etsy/Amazon exports in memory; `build.build_demo(store)` imports those into a shop.
"""
