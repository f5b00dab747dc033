namespace tugboat::slack::emulator_detail { int placeholder() { return 0; } }
