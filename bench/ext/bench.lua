-- bench.lua - the workload run by the Lua 5.4 interpreter (built from Debian's lua5.4 source).
-- Usage: lua bench.lua [scale]   (default 40).  Mixes what interpreters spend time on: table
-- inserts and lookups, string building and pattern matching, closures, integer and float math.
-- Prints one checksum line that every engine must reproduce.
local scale = tonumber(arg and arg[1]) or 40

local function lcg(seed)
  local s = seed
  return function()
    s = (s * 1103515245 + 12345) % 2147483648
    return s
  end
end

-- 1. Tables: build a word-frequency map and sort its keys.
local function words(n)
  local rnd, counts, syll = lcg(1), {}, { "ka", "lo", "mi", "ne", "ru", "so", "ta", "vi" }
  for _ = 1, n do
    local parts = {}
    for j = 1, 1 + rnd() % 3 do parts[j] = syll[1 + rnd() % #syll] end
    local w = table.concat(parts)
    counts[w] = (counts[w] or 0) + 1
  end
  local keys = {}
  for k in pairs(counts) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return counts[a] > counts[b] or (counts[a] == counts[b] and a < b) end)
  local h = 0
  for i, k in ipairs(keys) do h = (h * 31 + counts[k] * i + #k) % 1000000007 end
  return h
end

-- 2. Strings: format, gsub and find over a growing buffer.
local function strings(n)
  local acc, h = {}, 0
  for i = 1, n do
    acc[#acc + 1] = string.format("%d:%x;", i, i * 7)
    if #acc == 64 then
      local s = table.concat(acc)
      local c = select(2, s:gsub("%d+", function(d) return #d end))
      local p = s:find("1:", 1, true) or 0
      h = (h + c * 17 + p + #s:upper()) % 1000000007
      acc = {}
    end
  end
  return h
end

-- 3. Objects and closures: a small class hierarchy with method calls.
local Vec = {}
Vec.__index = Vec
function Vec.new(x, y) return setmetatable({ x = x, y = y }, Vec) end
function Vec:add(o) return Vec.new(self.x + o.x, self.y + o.y) end
function Vec:scale(k) return Vec.new(self.x * k, self.y * k) end
function Vec:len2() return self.x * self.x + self.y * self.y end
local function objects(n)
  local p, v = Vec.new(0, 0), Vec.new(1.5, -0.5)
  local acc = 0.0
  for i = 1, n do
    p = p:add(v:scale((i % 10) / 10))
    if p:len2() > 1e6 then p = Vec.new(p.x / 1000, p.y / 1000) end
    acc = acc + p.x * 0.001
  end
  return math.floor(acc * 1000) % 1000000007
end

-- 4. Integer math: a small sieve and GCDs.
local function numbers(n)
  local flags, count = {}, 0
  for i = 2, n do
    if not flags[i] then
      count = count + 1
      for j = i * i, n, i do flags[j] = true end
    end
  end
  local g = 0
  for i = 1, n // 10 do
    local a, b = i * 7919, i * 104729 + 13
    while b ~= 0 do a, b = b, a % b end
    g = g + a
  end
  return count * 1000003 + g
end

local h = 0
for _ = 1, scale do
  h = (h * 7 + words(5000)) % 1000000007
  h = (h * 7 + strings(5000)) % 1000000007
  h = (h * 7 + objects(12500)) % 1000000007
  h = (h * 7 + numbers(12500)) % 1000000007
end
print(string.format("lua %d %d", scale, h))
