-- ballot.lua - wrk script: the vote storm. Every request is a ballot on
-- STORM_VOTE by one of the voters whose session tokens are in the file
-- STORM_TOKENS (one per line), the voters and the three default options
-- taking turns, so that once every voter has voted each ballot replaces
-- that voter's previous one. Threads take disjoint turns (thread k of n
-- sends the requests k, k + n, k + 2n, ...).
local options = { "Tán thành", "Không tán thành", "Không biểu quyết" }
local tokens = {}
local path = "/api/v1/votes/" .. os.getenv("STORM_VOTE") .. "/ballots"
local counter = 0
local step = 1

for line in io.lines(os.getenv("STORM_TOKENS")) do
  tokens[#tokens + 1] = line
end

local threads = 0
function setup(thread)
  thread:set("first", threads)
  threads = threads + 1
end

function init(args)
  counter = first or 0
  step = tonumber(os.getenv("STORM_THREADS") or "1")
end

local bodies = {}
for i, o in ipairs(options) do
  bodies[i] = '{"option":"' .. o .. '"}'
end

request = function()
  local n = counter
  counter = counter + step
  local voter = n % #tokens
  -- the option moves on each time the voters come round, and differs
  -- between neighbours, so every count changes all the time
  local option = (math.floor(n / #tokens) + voter) % #options
  return wrk.format("POST", path, {
    ["Authorization"] = "Bearer " .. tokens[voter + 1],
    ["Content-Type"] = "application/json",
  }, bodies[option + 1])
end
