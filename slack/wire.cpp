namespace tugboat::slack::wire_detail {
int placeholder() {
  return 0;
}
}  // namespace tugboat::slack::wire_detail
