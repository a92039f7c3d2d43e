#pragma once
// The names of emberd's journal service on the wire
// (ember_journal_service.proto), shared by emberd and emberctl.
namespace ember::msg {

inline constexpr const char* kJournalService = "ember.v1.Journal";
inline constexpr const char* kJournalOn = "On";
inline constexpr const char* kJournalOff = "Off";
inline constexpr const char* kJournalRotate = "Rotate";
inline constexpr const char* kJournalStatus = "Status";

}  // namespace ember::msg
