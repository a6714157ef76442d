#include "runtime/state/status.hpp"

#include <array>
#include <utility>

namespace lit::runtime {

namespace {

constexpr std::array<std::pair<ContainerStatus, std::string_view>, 7> kStatusWords{{
    {ContainerStatus::Created, "created"},
    {ContainerStatus::Running, "running"},
    {ContainerStatus::Paused, "paused"},
    {ContainerStatus::Restarting, "restarting"},
    {ContainerStatus::Removing, "removing"},
    {ContainerStatus::Exited, "exited"},
    {ContainerStatus::Dead, "dead"},
}};

constexpr std::array<std::pair<Health, std::string_view>, 4> kHealthWords{{
    {Health::None, "none"},
    {Health::Starting, "starting"},
    {Health::Healthy, "healthy"},
    {Health::Unhealthy, "unhealthy"},
}};

template <typename Enum, std::size_t N>
std::string_view word_of(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum e) {
  for (const auto& [value, word] : table)
    if (value == e) return word;
  return table.front().second;  // not reached: every enumerator is in its table
}

template <typename Enum, std::size_t N>
std::optional<Enum> value_of(const std::array<std::pair<Enum, std::string_view>, N>& table,
                             std::string_view w) {
  for (const auto& [value, word] : table)
    if (word == w) return value;
  return std::nullopt;
}

}  // namespace

std::string_view to_string(ContainerStatus status) { return word_of(kStatusWords, status); }
std::string_view to_string(Health health) { return word_of(kHealthWords, health); }

std::optional<ContainerStatus> parse_container_status(std::string_view word) {
  return value_of(kStatusWords, word);
}

std::optional<Health> parse_health(std::string_view word) { return value_of(kHealthWords, word); }

}  // namespace lit::runtime
