"""Write the small illustrative sample dataset in ``data/sample/``.

Every text and label below was written by hand for this repository by the redheart_lit
team (original text, released under CC0). Nothing is copied from GoEmotions, ETHICS or any
other corpus. The set exists so that ``python train.py`` and the tests run on a fresh
machine; it is illustrative only and is NOT a benchmark.

Run::

    python data/sample/make_sample.py

It rewrites ``train.jsonl``, ``val.jsonl`` and ``test.jsonl`` next to this file (UTF-8,
one JSON object per line), deterministically, then validates them and prints counts.

Row format of the hand-written blocks (one row per line, fields separated by ``|``)::

    text | emotion ids | bentham x10 | acceptability | regret [| counterfactual | utility_pref]

* emotion ids: comma-separated GoEmotions ids 0..27 (27 = neutral);
* bentham: ten integers 0..100 (divided by 100) in the order of ``BENTHAM_KEYS``;
* acceptability: 0/1; regret: integer 0..100 (divided by 100);
* ``-`` marks a label the annotator did not give (e.g. no regret for a text that
  describes no act).

Partial supervision: after annotation, about 15% of the emotion and 30% of the Bentham
labels are withheld by a fixed hash rule (:func:`withheld`) so that, like the real mixed-source training data, rows
carry different subsets of labels. Rows with a counterfactual always keep
``utility_pref`` and ``regret``.

Split: stratified by language and by ``utility_pref`` (absent / 0 / 1). Within each
stratum, the row at 0-based position ``j`` (block order) goes to val when
``j % 20 in {2, 9, 16}``, to test when ``j % 20 in {5, 12, 19}``, otherwise to train.
"""

from __future__ import annotations

import json
import re
import zlib
from collections import Counter
from pathlib import Path

OUT_DIR = Path(__file__).resolve().parent

BENTHAM_KEYS = (
    "intensity", "duration", "certainty", "propinquity", "fecundity", "purity", "extent",
    "external_cost", "redistribution_effect", "self_damage",
)  # fmt: skip
N_EMOTIONS = 28
LABEL_KEYS = ("emotion", "bentham", "acceptability", "utility_pref", "regret")

# ---------------------------------------------------------------------------------------
# English rows
#   text | emotion | intensity duration certainty propinquity fecundity purity extent
#          external_cost redistribution_effect self_damage | acc | regret [| cf | pref]
# ---------------------------------------------------------------------------------------
EN_ROWS = """
I finally told my manager that the deadline was impossible, and she moved it by a week. | 23,4 | 60 40 80 90 60 70 20 05 10 05 | 1 | 10
My coworker took credit for my slides in front of the whole team. | 2,3 | 70 50 90 95 10 20 30 60 00 50 | 0 | 30
I stayed late to help the new intern fix her code, and she was so grateful. | 17,5 | 60 40 80 90 70 80 20 05 40 15 | 1 | 05
I skipped the team lunch because I felt awkward around everyone. | 25,19 | 40 30 70 90 20 40 10 05 00 30 | 1 | 50 | I went to the team lunch and sat next to someone I barely knew. | 0
Our startup just closed its first funding round! | 13,17,21 | 90 60 80 95 80 70 40 00 10 00 | 1 | 00
I accidentally hit reply-all on an email complaining about the client. | 12,19,24 | 80 40 90 95 05 10 40 50 00 70 | 0 | 85
He quit his stable job to open a bakery, and his parents are furious. | 26,2 | 70 70 50 80 50 30 30 40 00 40 | 1 | 30
The meeting was moved from 3 pm to 4 pm. | 27 | 05 05 90 90 10 90 20 00 00 00 | - | -
I reported a safety problem in the warehouse even though my boss told me to keep quiet. | 21,19 | 70 60 70 70 60 50 60 10 50 40 | 1 | 10 | I kept quiet about the safety problem so I would not annoy my boss. | 1
I called in sick so I could go to a concert. | 13,17 | 60 20 80 95 30 40 10 30 00 10 | 0 | 35 | I went to work and planned to see the band another time. | 1
I blamed the printer for my late report when I had actually forgotten about it. | 24,12 | 50 30 80 90 10 20 20 30 00 40 | 0 | 70 | I admitted that I had forgotten the report and asked for one more day. | 0
My boss thanked me by name at the all-hands meeting. | 15,21,17 | 70 40 90 95 60 80 30 00 00 00 | 1 | 00
I have no idea why the new expense system rejects every receipt I upload. | 6,3 | 40 30 70 90 05 30 20 05 00 20 | - | -
She got the promotion I had been working toward for two years. | 9,25 | 70 60 90 95 10 20 10 10 00 50 | 1 | -
I refused to fudge the quarterly numbers even though the whole department wanted me to. | 21,4 | 60 60 70 70 50 50 70 10 40 30 | 1 | 10
I covered my colleague's shift so she could see her son's school play. | 5,17 | 50 30 90 90 60 80 20 05 40 15 | 1 | 05 | I told my colleague I was too busy to cover her shift. | 1
I snapped at a customer who was only asking a simple question. | 24,3 | 50 20 90 95 05 20 10 40 00 30 | 0 | 65 | I took a breath and answered the customer's question patiently. | 0
Three people from my team were laid off this morning. | 25,14 | 80 70 90 95 05 10 50 60 00 30 | - | -
I wonder what the company will do with the old office building. | 7 | 20 20 30 30 30 50 30 00 00 00 | - | -
I read the contract again and realized we had been paying double for years. | 22,26,3 | 60 50 90 90 40 40 40 30 00 30 | - | -
My first day at the new job went better than I expected. | 23,17,20 | 60 40 80 95 70 80 10 00 00 00 | 1 | 00
He keeps microwaving fish in the shared kitchen, and the whole floor smells. | 11,3 | 50 30 90 95 05 20 40 40 00 05 | 0 | 15
I pretended to be on a call so I would not have to talk to my old boss in the elevator. | 1,12 | 30 05 90 95 10 50 10 05 00 05 | 1 | 20
I want that corner office so badly. | 8 | 50 40 30 50 40 50 05 00 00 00 | 1 | -
I turned down a higher-paying offer because I did not want to leave my team mid-project. | 4,20 | 50 60 60 60 50 60 30 05 10 30 | 1 | 30 | I accepted the higher-paying offer and left my team in the middle of the project. | 1
I lied to my sister so I could skip her wedding. | 24,25 | 80 70 90 90 10 10 30 80 00 70 | 0 | 85 | I went to my sister's wedding even though I was exhausted. | 0
My daughter took her first steps in the kitchen tonight. | 17,18,13 | 90 50 95 95 80 90 20 00 00 00 | - | -
I yelled at my son for spilling juice and then saw how scared he looked. | 24,25 | 70 40 90 95 05 10 10 60 00 50 | 0 | 80 | I wiped up the juice and told my son it was fine. | 0
Dad called just to ask how my week was. | 18,17 | 50 30 90 95 60 90 10 00 00 00 | 1 | 00
My grandmother passed away in her sleep last night. | 16,25 | 95 90 95 95 05 10 30 00 00 50 | - | -
I read my teenage daughter's diary while she was at school. | 24,19 | 50 40 80 90 05 10 10 70 00 40 | 0 | 75 | I asked my daughter directly if something was bothering her. | 0
My brother paid off our mother's medical bills without telling anyone. | 0,15 | 70 70 90 80 70 70 40 05 80 40 | 1 | 05
We spent the whole Sunday making dumplings with my aunts. | 17,1 | 60 30 90 95 60 90 30 00 00 00 | 1 | 00
I still do not understand why my parents sold the house without telling us. | 6,9 | 60 60 80 80 10 30 30 30 00 20 | 0 | 40
I drove four hours to surprise my mom on her birthday. | 18,13,5 | 80 40 90 90 70 80 20 00 00 20 | 1 | 05 | I sent my mom a quick text on her birthday and stayed home. | 1
My husband forgot our anniversary again. | 9,3 | 60 30 90 95 05 20 10 30 00 10 | 0 | 60
I let my little brother win at chess so he would not cry. | 5,1 | 30 10 90 95 40 60 10 00 10 05 | 1 | 10 | I beat my little brother at chess in five moves. | 1
My father finally said he was proud of me. | 17,21,18 | 90 80 90 95 70 90 10 00 00 00 | 1 | 00
I missed my nephew's graduation because I chose to work overtime. | 24,9 | 60 50 90 90 10 20 20 40 00 40 | 1 | 70 | I took the afternoon off and went to my nephew's graduation. | 0
My mom's surgery went well, and she is already joking with the nurses. | 23,17,15 | 90 60 90 95 80 80 20 00 00 00 | - | -
My cousin borrowed my car and brought it back with an empty tank and a dent. | 3,2 | 60 30 90 95 05 20 10 60 00 30 | 0 | 40
I moved back in with my parents to save money, and it feels strange. | 6,12 | 40 60 80 90 40 50 10 10 00 20 | 1 | 25
My sister and I have not spoken since the argument at Christmas. | 25,9 | 70 80 90 80 05 20 10 30 00 40 | - | 60
I gave my parents a trip to Jeju for their 40th anniversary. | 18,17 | 80 50 90 90 70 90 20 00 10 30 | 1 | 00
My son asked me why the sky is blue, and I had no idea. | 1,7 | 30 05 90 95 40 90 05 00 00 00 | 1 | -
I forgot to pick up my daughter from practice, and she waited alone for an hour. | 24,14 | 70 20 90 95 05 10 10 60 00 50 | 0 | 85
I told my grandfather his cooking was delicious even though it was far too salty. | 5,1 | 30 10 80 95 50 60 10 05 00 00 | 1 | 05 | I told my grandfather bluntly that his cooking was far too salty. | 1
The baby finally slept through the night. | 23,17 | 70 20 80 95 60 80 20 00 00 00 | - | -
My uncle keeps making racist jokes at family dinners. | 11,10 | 70 50 90 95 05 10 40 70 00 10 | 0 | 20
I took my dad's side in the argument even though I knew mom was right. | 24,6 | 50 40 70 90 05 20 20 40 00 40 | 0 | 65 | I told my dad gently that I thought mom was right. | 0
My best friend threw me a surprise party and I actually cried. | 26,17,15 | 90 40 95 95 70 90 30 00 00 00 | 1 | 00
I canceled on my friend for the third time this month. | 24,12 | 50 30 90 95 05 20 10 50 00 30 | 0 | 70 | I kept my plans with my friend even though I felt lazy. | 0
I told everyone about my friend's secret crush by accident. | 12,24 | 70 40 90 95 05 10 30 60 00 40 | 0 | 90 | I kept my friend's secret to myself. | 0
Jenna helped me move apartments in the pouring rain. | 15,0 | 70 30 90 95 60 80 10 00 10 20 | 1 | 00
I lent my friend money, and he has not mentioned it in six months. | 3,19 | 50 60 70 80 05 30 10 10 20 40 | 1 | 40
Watching my friend try to parallel park for ten minutes was the highlight of my day. | 1 | 50 05 90 95 40 90 10 00 00 00 | 1 | -
I sat with my friend in the hospital waiting room all night. | 5,18 | 60 40 90 95 50 60 10 00 30 40 | 1 | 00 | I texted my friend that I hoped everything went okay and went to bed. | 1
He ghosted the group chat after we all planned the trip around him. | 9,3 | 50 30 90 95 05 20 40 50 00 10 | 0 | 35
My friend got into medical school, and I could not be happier for her. | 0,17,21 | 80 50 90 95 60 90 10 00 00 00 | 1 | -
I laughed when my friend tripped on stage, and he saw me laughing. | 12,24,1 | 40 20 90 95 05 20 10 40 00 20 | 0 | 60 | I rushed over to help my friend up after he tripped. | 0
Someone in our group keeps borrowing clothes and never returning them. | 3 | 40 40 80 90 05 30 10 40 00 10 | 0 | -
I am nervous about meeting my online friend in person for the first time. | 19,13 | 50 10 40 60 60 50 05 00 00 10 | 1 | -
I invited the new kid next door to play football with us. | 5,4 | 40 30 80 90 70 90 10 00 40 00 | 1 | 00 | We let the new kid next door watch from the bench while we played. | 1
My friend said my new haircut looks like a helmet. | 1,12 | 30 10 90 95 20 50 05 10 00 10 | 1 | 10
I finally apologized to Mark for what I said at the party, and he forgave me. | 23,15 | 70 50 80 90 70 80 10 00 00 10 | 1 | 05 | I pretended the fight at the party never happened. | 1
I copied my friend's homework and we both got caught. | 12,24,14 | 60 30 90 90 05 10 20 60 00 60 | 0 | 80 | I asked my friend to explain the homework instead of copying it. | 0
We stayed up until 3 a.m. talking about everything. | 17,18 | 70 20 90 95 60 70 10 00 00 10 | 1 | 05
My friend keeps posting about her vacation and I feel jealous. | 8,25 | 40 20 80 95 10 30 05 00 00 20 | 1 | -
I told a friend her boyfriend was cheating, and she stopped talking to me. | 25,4 | 70 60 70 90 30 20 20 30 10 40 | 1 | 20 | I kept quiet about her boyfriend cheating. | 0
Honestly, I did not expect him to remember my birthday. | 26,17 | 50 20 90 95 50 90 05 00 00 00 | - | -
I found a wallet on the bus and mailed it back to the address on the card. | 21,5 | 40 20 80 70 60 80 10 00 30 05 | 1 | 00 | I kept the cash from the wallet and threw the rest away. | 1
The cashier gave me too much change and I walked out without saying anything. | 24,12 | 30 10 90 95 05 30 10 50 00 20 | 0 | 60 | I handed the extra change back to the cashier. | 0
I paid off my student loans today. | 23,21,17 | 80 70 95 95 80 90 05 00 00 00 | 1 | 00
Rent went up again by fifteen percent. | 3,14,9 | 70 70 95 80 05 10 30 40 00 40 | - | -
I spent my grocery money on concert tickets. | 13,19 | 60 20 80 95 20 20 10 10 00 50 | 0 | 55 | I bought groceries and skipped the concert. | 1
I donated my bonus to the shelter where I used to volunteer. | 17,5 | 60 50 90 80 60 90 40 00 90 30 | 1 | 00 | I spent my whole bonus on a new phone. | 1
My bank charged me a fee for checking my own balance. | 2,3 | 50 10 90 95 05 20 10 30 00 20 | 0 | -
I lost two hundred dollars betting on a football game. | 9,24 | 60 20 95 95 05 10 05 05 00 70 | 0 | 75 | I watched the game without betting anything. | 0
We split the bill evenly even though I only had a salad. | 3,6 | 20 05 90 95 10 60 10 10 00 10 | 1 | 20
I found out my landlord has been keeping our deposit illegally. | 2,11 | 80 60 80 80 05 10 30 70 00 40 | 0 | 20
I quietly paid for the elderly couple's lunch at the next table. | 17,5 | 50 20 90 95 60 90 10 00 70 10 | 1 | 00
I am trying to figure out how anyone affords a house in this city. | 7,6 | 30 40 50 50 20 40 30 00 00 10 | - | -
I sold my late father's watch to pay the bills. | 25,16,24 | 80 80 95 95 20 10 10 05 00 60 | 1 | 60 | I kept my father's watch and borrowed money from a friend instead. | 0
I got a tax refund I had completely forgotten about. | 26,17 | 50 10 90 90 50 90 05 00 00 00 | - | -
She charges her friends full price for homemade cakes and then complains they never visit. | 1,10 | 30 40 80 80 10 40 10 20 00 20 | 1 | 30
I finally made a budget and stuck to it for a whole month. | 21,20 | 50 60 80 80 70 80 05 00 00 00 | 1 | 00
My friend asked to borrow money again, and I said no. | 19,4 | 40 20 80 95 30 50 10 20 00 10 | 1 | 30 | I lent my friend the money again. | 0
I overcharged a tourist for a taxi ride because he did not know the way. | 24,12 | 30 20 90 95 05 30 10 60 00 30 | 0 | 55 | I took the tourist the direct route and charged the normal fare. | 0
The price of coffee at the office went up to five dollars. | 3 | 20 40 90 80 05 30 30 20 00 10 | - | -
I inherited a small sum from my aunt, and I feel guilty spending it. | 16,24 | 50 50 90 90 40 40 05 00 10 20 | 1 | 20
I told the teacher that my friend had cheated on the exam. | 19,24 | 60 50 80 90 20 20 20 40 00 40 | 1 | 50 | I said nothing about my friend cheating on the exam. | 0
I sent back the extra phone the delivery company shipped to me by mistake. | 4 | 20 10 90 90 40 80 10 00 10 05 | 1 | 00 | I kept the extra phone the delivery company shipped to me by mistake. | 0
I kicked a stray dog that was barking at me. | 24,11 | 40 10 90 95 05 10 05 60 00 30 | 0 | 75 | I walked away from the barking dog. | 0
I stopped to help an old man who had fallen on the ice. | 5 | 60 20 90 95 50 80 10 00 50 05 | 1 | 00 | I walked past the old man who had fallen on the ice. | 1
I ate my roommate's leftovers and blamed it on the cat. | 1,24 | 20 05 90 95 05 30 10 40 00 10 | 0 | 40
I lied on my resume about speaking Spanish. | 19 | 40 50 60 60 20 20 10 30 00 40 | 0 | 60
I held the door open for a mother with a stroller. | 5,4 | 20 05 90 95 40 90 05 00 20 00 | 1 | 00
I took a pen from the hotel room. | 27 | 05 05 90 95 10 80 05 05 00 00 | 1 | 05
I parked in the disabled spot because I was only going to be two minutes. | 24,12 | 30 10 80 95 10 30 10 50 00 20 | 0 | 55
A stranger returned my lost phone and refused to take any reward. | 0,15,26 | 60 20 90 95 60 90 05 00 20 00 | 1 | 00
I pretended not to see the homeless man asking for change. | 24,25 | 40 20 80 95 05 30 10 30 00 20 | 1 | 45 | I gave the homeless man a few coins and said hello. | 0
The neighbor's kids broke my window playing baseball, and they came to apologize themselves. | 0,4 | 40 20 90 95 50 70 10 20 00 20 | 1 | 10
I told my host I had broken her vase, and she just laughed and hugged me. | 23,15 | 50 30 80 95 60 70 10 00 00 20 | 1 | 05 | I hid the pieces of the broken vase and said nothing to my host. | 1
I threw my cigarette butt on the beach. | 24 | 10 30 90 95 05 40 20 30 00 05 | 0 | 30
I gave up my seat on the subway to a pregnant woman. | 5,4 | 30 10 90 95 40 90 05 00 40 05 | 1 | 00 | I stayed in my seat and kept looking at my phone. | 1
He cheated on his wife and is now acting like nothing happened. | 11,10,2 | 80 80 90 80 05 05 30 80 00 50 | 0 | 40
I secretly recorded my coworkers' conversation. | 19,24 | 40 30 70 90 05 20 20 50 00 30 | 0 | 55
I turned off the tap while brushing my teeth. | 27,4 | 05 10 90 95 30 90 10 00 10 00 | 1 | 00
I ripped the tag off a dress I had worn to a party and returned it. | 12,24 | 30 10 80 95 10 30 10 40 00 20 | 0 | 55
I stood up for a classmate who was being mocked for his accent. | 21,5 | 60 40 70 95 60 60 20 05 60 30 | 1 | 05 | I laughed along while my classmate was mocked for his accent. | 1
I am so sorry I missed your call; my phone was on silent. | 24,5 | 30 05 90 95 40 70 05 05 00 05 | 1 | 20
I apologized to my students for losing my temper in class. | 24,23 | 50 30 80 95 60 70 30 00 00 20 | 1 | 10 | I acted as if nothing had happened after losing my temper in class. | 1
My neighbor apologized for the noise and brought us cookies. | 15,26,17 | 40 20 90 95 60 90 10 00 00 00 | 1 | 00
He said sorry, but only because his mother made him. | 10,3 | 30 20 80 95 10 30 05 10 00 05 | 0 | -
I wrote my old teacher a letter apologizing for how I behaved in her class. | 24,23 | 60 50 80 60 60 70 05 00 00 10 | 1 | 10 | I never contacted my old teacher again. | 1
I still have not apologized for ruining her presentation. | 24,25 | 60 60 80 80 05 10 10 40 00 40 | 0 | 80 | I apologized to her the day after the presentation. | 0
The airline apologized for losing my luggage and gave me a voucher. | 23,3 | 40 20 80 80 40 60 05 10 00 10 | 1 | -
Sorry for the long message, I just needed to get this off my chest. | 12,23 | 30 10 80 95 40 60 05 00 00 05 | 1 | 05
I apologized first even though I still think I was right. | 4,20 | 40 30 70 95 60 70 10 00 00 20 | 1 | 15 | I refused to apologize until he admitted he was wrong. | 1
She apologized to the waiter after her kids knocked over the drinks. | 5,12 | 30 10 90 95 40 70 10 05 00 10 | 1 | 05
We won the regional choir competition! | 13,17,21 | 90 40 95 95 70 90 30 00 00 00 | 1 | -
Happy birthday to my amazing wife, I love you more every year. | 18,17 | 70 60 90 95 70 90 05 00 00 00 | 1 | -
My brother got engaged last night and the whole family is celebrating. | 17,13 | 80 50 90 95 70 90 30 00 00 00 | 1 | -
I passed my driving test on the fourth try. | 23,21,1 | 70 40 95 95 60 90 05 00 00 00 | 1 | 00
Our little shop turned ten years old today. | 21,15,17 | 70 50 90 95 60 80 20 00 00 00 | 1 | -
I bought myself flowers after a hard week, and I regret nothing. | 17,4 | 40 20 90 95 40 80 05 00 00 05 | 1 | 00
Grandpa danced at the wedding for the first time in twenty years. | 1,17,26 | 70 30 90 95 60 90 30 00 00 00 | 1 | 00
We threw a retirement party for the school janitor, and half the town showed up. | 0,17,18 | 80 40 90 95 60 90 60 00 30 00 | 1 | 00
I can't wait for our trip to Lisbon next month! | 13,8,20 | 70 30 60 40 60 80 10 00 00 00 | 1 | -
The whole team stayed late to decorate for Mina's baby shower. | 5,17 | 60 30 90 90 60 90 30 00 10 05 | 1 | 00
I forgot my speech at my best friend's wedding and just froze. | 12,19 | 70 20 95 95 05 20 40 20 00 40 | 1 | 50
I got the scholarship!! | 13,17,23 | 90 60 95 95 80 90 05 00 30 00 | 1 | -
Honestly, the party was fine, nothing special. | 27 | 10 05 90 90 20 60 10 00 00 00 | - | -
I skipped my own graduation ceremony to avoid my ex. | 9,19 | 40 40 90 95 10 30 05 10 00 30 | 1 | 50 | I went to my graduation ceremony and simply stayed away from my ex. | 0
My parents renewed their vows on the beach where they first met. | 18,0,17 | 70 50 90 90 60 90 20 00 00 00 | 1 | 00
Our dog died this morning after fourteen years with us. | 16,25 | 95 80 95 95 05 10 20 00 00 50 | - | -
I lost my job the week before Christmas. | 25,14 | 80 60 95 95 10 10 20 10 00 70 | - | -
My best friend is moving to Canada, and I do not know when I will see her again. | 25,20 | 60 60 80 80 30 30 05 00 00 20 | - | -
The fire destroyed the restaurant my grandparents built. | 16,25,26 | 95 90 95 95 05 05 40 00 00 60 | - | -
I never got to say goodbye to my uncle before he died. | 16,24 | 90 90 95 80 05 10 10 00 00 50 | 1 | 70
We lost the final by one point. | 9,25 | 60 20 95 95 10 30 30 00 00 20 | - | -
I dropped my grandmother's ring down the drain. | 14,24,25 | 70 70 90 95 05 10 05 00 00 50 | 1 | 60
I am scared the test results will come back bad. | 14,19 | 70 30 30 60 05 20 05 00 00 30 | - | -
After the breakup, the apartment feels too quiet. | 25,16 | 60 60 80 95 10 30 05 00 00 30 | - | -
I realized too late that I had been ignoring how lonely my father was. | 22,24,25 | 70 70 80 80 20 20 05 20 00 40 | 0 | 75
The bus is late again. | 3,27 | 20 05 90 95 05 40 30 05 00 05 | - | -
I keep a spare umbrella at the office. | 27 | 05 40 90 50 20 90 05 00 00 00 | 1 | 00
What time does the pharmacy on Main Street close on Sundays? | 7,27 | 05 05 50 50 10 90 05 00 00 00 | - | -
I threw away my ex's letters, and I already feel lighter. | 23,20 | 50 40 80 95 60 60 05 00 00 10 | 1 | 05 | I kept my ex's letters in a box under my bed. | 1
My phone died during the interview and I could not call back for an hour. | 19,12,14 | 70 20 90 95 05 10 05 05 00 50 | 1 | -
I finally realized the strange rattle in my car was just a loose water bottle, and I laughed with relief. | 22,23,1 | 40 05 90 95 40 90 05 00 00 00 | 1 | 00
My roommate leaves dirty dishes in the sink for days and acts like it is normal. | 3,10,11 | 40 40 90 95 05 30 10 40 00 05 | 0 | 20
I am not sure whether the invitation was meant for me or for my sister. | 6 | 20 05 40 80 30 70 05 00 00 00 | - | -
The new neighbors brought us a cake, and I have no idea what to give them back. | 6,15 | 30 10 80 90 60 80 10 00 00 00 | 1 | -
When I came home I realized the kids had planned the whole evening for me, and I felt so loved and excited. | 22,18,13,17 | 80 40 95 95 70 90 10 00 00 00 | 1 | 00
My colleague lectures everyone about the dangers of remote work while answering emails from the beach. | 10,1 | 30 20 80 90 10 40 20 20 00 05 | 0 | 15
I wanted to say something when my friend mocked the waiter, but I just stayed silent. | 24,10 | 40 30 80 95 05 30 10 30 00 20 | 0 | 60
My brother secretly reads his girlfriend's messages, and I honestly do not get why he thinks it is no big deal. | 10,6,11 | 50 40 70 80 05 20 10 60 00 30 | 0 | 30
"""

# ---------------------------------------------------------------------------------------
# Korean rows (same format; written directly in Korean, not translated)
# ---------------------------------------------------------------------------------------
KO_ROWS = """
팀장님께 일정이 무리라고 솔직히 말씀드렸더니 마감을 일주일 미뤄 주셨다. | 23,15 | 60 40 80 90 60 70 20 05 00 05 | 1 | 05 | 아무 말 없이 며칠 밤을 새워서 억지로 마감을 맞췄다. | 1
옆자리 동료가 내가 만든 보고서를 자기 이름으로 올렸다. | 2,11 | 70 50 90 95 05 20 20 70 00 50 | 0 | 30
회식 자리에서 부장님이 또 술을 억지로 권했다. | 3,10 | 50 20 90 95 05 20 30 50 00 40 | 0 | 20
신입 사원이 한 실수를 내가 대신 뒤집어썼다. | 5,9 | 50 30 80 95 40 40 10 05 30 50 | 1 | 25 | 신입 사원의 실수를 팀장님께 그대로 보고했다. | 1
월요일 아침부터 회의가 세 개나 잡혀 있다. | 3,27 | 30 20 90 95 05 40 20 05 00 10 | - | -
드디어 첫 월급을 받아서 부모님께 내복을 사 드렸다. | 17,18,21 | 80 40 95 95 70 90 10 00 10 05 | 1 | 00
야근을 핑계로 친구 결혼식 뒤풀이에 안 갔다. | 24,12 | 40 20 90 95 10 30 10 30 00 20 | 0 | 55 | 야근을 조금 미루고 친구 결혼식 뒤풀이에 잠깐이라도 들렀다. | 0
회사 법인카드로 개인 저녁값을 몇 번 결제했다. | 19,24 | 30 30 70 90 05 10 10 60 00 50 | 0 | 75
이번 분기 실적 발표에서 우리 팀이 1등을 했다. | 21,13,17 | 80 40 95 95 70 80 30 00 00 00 | 1 | 00
면접관이 내 이름을 계속 틀리게 불러서 당황스러웠다. | 12,6 | 40 10 90 95 05 40 05 10 00 10 | 1 | 10
상사가 퇴근 직전에 일을 잔뜩 던져 주고 먼저 나갔다. | 2,3 | 60 20 90 95 05 20 10 60 00 40 | 0 | 30 | 상사가 오전에 일을 미리 나눠 주고 같이 마무리했다. | 0
후배가 밤새 만든 자료를 보고 정말 감탄했다. | 0 | 50 20 90 95 60 90 10 00 00 00 | 1 | 00
계약서를 다시 읽다가 위약금 조항을 이제야 발견했다. | 22,14 | 60 40 90 90 10 20 10 10 00 40 | 1 | 40
사장님이 직원들 몰래 월급을 깎으려다 들켰다. | 2,11,10 | 80 60 90 90 05 10 60 80 00 40 | 0 | 50
이직 제안을 받았는데 지금 팀을 떠나야 할지 모르겠다. | 6,19 | 50 40 30 50 50 50 10 00 00 10 | 1 | -
동료가 아플 때 그 사람 몫의 일을 말없이 처리해 줬다. | 5 | 40 20 90 95 50 80 10 00 30 20 | 1 | 00 | 동료가 아플 때 그 사람 일은 모른 척하고 내 일만 했다. | 1
거래처 담당자에게 실수로 반말을 해 버렸다. | 12,24 | 40 10 90 95 05 40 05 10 00 20 | 1 | 40
회사 탕비실 커피 머신이 또 고장 났다. | 9,27 | 20 10 90 95 05 50 30 05 00 05 | - | -
정리해고 명단에 내 이름이 없어서 안도했지만 마음이 무겁다. | 23,25 | 70 60 90 95 20 20 40 20 00 20 | - | -
회의에서 내 아이디어가 바보 같다는 말을 들었다. | 12,25,2 | 60 30 90 95 05 20 10 40 00 40 | 0 | 30
엄마한테 바쁘다고 거짓말하고 전화를 끊었다. | 24,25 | 50 30 90 95 05 20 05 40 00 40 | 0 | 70 | 엄마한테 지금은 좀 바쁘니까 저녁에 다시 전화하겠다고 솔직하게 말했다. | 0
아빠가 처음으로 나를 꼭 안아 주셨다. | 18,26,17 | 80 60 95 95 70 90 05 00 00 00 | 1 | 00
할머니 장례식을 마치고 집에 오니 모든 게 낯설다. | 16,25 | 90 80 95 95 05 10 20 00 00 50 | - | -
동생이 내 옷을 말도 없이 입고 나갔다. | 3 | 30 05 90 95 05 40 05 20 00 10 | 0 | 10 | 동생이 내 옷을 입어도 되냐고 먼저 물어봤다. | 0
아이가 유치원에서 만든 카네이션을 수줍게 내밀었다. | 18,17,0 | 80 40 95 95 70 90 05 00 00 00 | 1 | 00
아들한테 성적 때문에 심한 말을 했다. | 24,25 | 70 50 90 95 05 10 05 70 00 50 | 0 | 80 | 아들 성적표를 보고 같이 공부 계획을 세워 보자고 했다. | 0
명절에 큰집 설거지를 혼자 다 했는데 아무도 고맙다고 하지 않았다. | 3,9 | 50 20 90 95 05 30 20 30 00 40 | 1 | 20
부모님 결혼 30주년이라 형제들끼리 몰래 여행을 준비했다. | 13,18,5 | 70 40 80 80 70 90 20 00 00 10 | 1 | 00 | 부모님 결혼 30주년이었지만 다들 바빠서 그냥 넘어갔다. | 1
누나가 내 비밀을 엄마에게 일러바쳤다. | 2,3 | 50 30 90 95 05 20 05 50 00 30 | 0 | 30
아버지 수술이 잘 끝났다는 연락을 받고 병원 복도에 주저앉았다. | 23,15 | 90 40 95 95 60 70 10 00 00 00 | - | -
남편이 내 생일을 잊어버리고 친구들과 낚시를 갔다. | 9,2 | 60 30 90 95 05 20 05 50 00 20 | 0 | 60 | 남편이 낚시 약속을 미루고 내 생일 저녁을 준비했다. | 0
딸이 사춘기라 말을 걸어도 대답을 잘 안 한다. | 25,6 | 40 60 80 80 20 40 05 10 00 10 | - | -
할아버지가 젊었을 때 이야기를 해 주셨는데 처음 듣는 얘기라 신기했다. | 7,26 | 40 20 90 95 50 90 05 00 00 00 | 1 | -
동생 대학 등록금에 보태라고 모아 둔 돈을 건넸다. | 5,18 | 60 50 90 90 70 80 10 00 70 40 | 1 | 00 | 모아 둔 돈으로 새 노트북을 샀다. | 1
시어머니가 내 요리에 또 간이 안 맞는다고 하셨다. | 3,12 | 30 10 90 95 05 40 05 20 00 10 | 1 | 10
아이를 재우다가 같이 잠들어서 저녁을 못 먹었다. | 1,27 | 20 05 90 95 20 70 05 00 00 05 | 1 | 05
엄마가 보내 주신 김치 통을 열어 보고 괜히 눈물이 났다. | 18,25,15 | 60 30 90 95 50 70 05 00 00 00 | 1 | -
형이 아버지 유산을 혼자 챙기려고 해서 가족이 다 갈라졌다. | 2,11,25 | 90 80 90 80 05 05 40 80 00 50 | 0 | 60
사촌 동생 결혼식에서 축가를 부르다 음이탈이 났다. | 12,1 | 40 10 95 95 20 50 30 00 00 10 | 1 | 10
부모님께 회사를 그만뒀다는 사실을 아직 말하지 못했다. | 19,24 | 60 50 80 80 05 20 10 20 00 40 | 0 | 50 | 회사를 그만둔 날 저녁에 부모님께 사실대로 말씀드렸다. | 0
아이가 처음으로 "엄마"라고 불렀다. | 17,18,13 | 90 50 95 95 80 95 05 00 00 00 | - | -
동생이 시험에 떨어져서 위로하려다가 오히려 잔소리만 늘어놨다. | 24,5 | 40 20 80 95 10 30 05 30 00 20 | 0 | 60 | 동생이 시험에 떨어졌을 때 아무 말 없이 맛있는 걸 사 줬다. | 0
언니랑 크게 싸운 뒤로 한 달째 연락을 안 하고 있다. | 25,9 | 60 70 90 80 05 20 05 30 00 40 | - | 50
아빠가 은퇴하시고 처음으로 그림을 배우기 시작하셨다. | 0,20 | 50 60 80 80 70 90 05 00 00 00 | 1 | 00
명절에 조카들 용돈을 주고 나니 통장이 텅 비었다. | 1,9 | 30 20 90 95 40 50 10 00 20 30 | 1 | 15
친구가 이사할 때 하루 종일 짐을 날라 줬다. | 5,4 | 50 20 90 95 60 80 05 00 20 30 | 1 | 00 | 친구가 이사하는 걸 알면서도 바쁘다고 하고 집에 있었다. | 1
단톡방에서 친구 뒷담화를 했는데 그 친구가 캡처를 봤다. | 12,24,14 | 80 50 90 95 05 05 20 70 00 70 | 0 | 90 | 친구에게 서운한 점을 직접 조용히 얘기했다. | 0
십 년 만에 초등학교 동창을 길에서 우연히 만났다. | 26,17 | 60 20 95 95 50 80 05 00 00 00 | 1 | -
친구가 빌려 간 돈을 갚으면서 밥까지 사 줬다. | 15,26 | 40 10 90 95 50 90 05 00 00 00 | 1 | 00
친구 생일을 깜빡해서 다음 날 허겁지겁 케이크를 사 들고 갔다. | 12,24,1 | 40 10 90 95 40 60 05 20 00 10 | 1 | 30 | 친구 생일 당일에 케이크를 사 들고 찾아갔다. | 0
친구가 내 고민을 새벽까지 들어 줬다. | 15,18 | 60 30 90 95 60 80 05 00 00 05 | 1 | 00
약속 시간에 한 시간이나 늦어 놓고 사과도 안 하는 친구 때문에 짜증 났다. | 3,2 | 50 10 90 95 05 30 05 40 00 10 | 0 | 25
친구 연애 상담을 해 주다가 오히려 내가 더 설렜다. | 1,8 | 30 10 80 95 40 80 05 00 00 00 | 1 | -
친한 친구가 암 진단을 받았다는 소식을 들었다. | 14,25,16 | 90 80 90 95 05 05 10 00 00 30 | - | -
친구가 준 선물이 솔직히 마음에 안 들었지만 좋아하는 척했다. | 5,12 | 20 05 80 95 30 60 05 05 00 05 | 1 | 05 | 선물이 마음에 안 든다고 친구에게 솔직하게 말했다. | 1
친구들이 나만 빼고 여행을 다녀왔다. | 25,9,3 | 60 40 90 90 05 20 10 40 00 30 | 0 | 30
고등학교 친구들과 오랜만에 모여서 배꼽 빠지게 웃었다. | 1,17 | 70 20 95 95 60 90 10 00 00 00 | 1 | 00
친구의 발표 자료에서 오타를 발견했는데 일부러 말하지 않았다. | 24,10 | 30 20 80 95 05 30 20 50 00 20 | 0 | 65 | 친구 발표 전에 오타를 조용히 알려 줬다. | 0
친구가 새로 연 가게에 지인들을 데리고 갔다. | 5,20 | 50 30 80 90 70 80 20 00 40 05 | 1 | 00
친구 부탁으로 소개팅에 나갔는데 상대가 너무 무례했다. | 11,3 | 50 10 90 95 05 20 05 40 00 20 | 0 | -
싸운 친구에게 먼저 미안하다고 문자를 보냈다. | 24,20,23 | 50 30 70 95 60 70 05 00 00 10 | 1 | 05 | 싸운 친구가 먼저 연락할 때까지 버텼다. | 1
친구가 내 비밀번호를 알아내서 내 SNS에 장난 글을 올렸다. | 2,12 | 50 10 90 95 05 30 20 40 00 20 | 0 | 30
친구 결혼식 사회를 맡았는데 생각보다 너무 떨렸다. | 19,13 | 60 10 95 95 50 70 30 00 00 05 | 1 | 00
전학 온 친구에게 먼저 말을 걸어 같이 점심을 먹었다. | 5,17 | 40 20 90 95 70 90 05 00 40 00 | 1 | 00 | 전학 온 친구가 혼자 밥 먹는 걸 보고도 모른 척했다. | 1
친구가 돈을 빌려 달라고 했는데 거절하고 나니 마음이 불편하다. | 19,24 | 40 30 80 95 20 40 05 20 00 10 | 1 | 35 | 친구에게 필요한 만큼 돈을 빌려줬다. | 0
길에서 주운 지갑을 경찰서에 가져다줬다. | 4,21 | 30 10 90 90 50 90 05 00 20 05 | 1 | 00 | 길에서 주운 지갑에서 현금만 빼고 버렸다. | 1
편의점 알바생이 거스름돈을 더 줬는데 그냥 나왔다. | 24,12 | 30 10 90 95 05 30 05 50 00 20 | 0 | 60 | 알바생에게 거스름돈이 더 왔다고 말하고 돌려줬다. | 0
드디어 전세 대출을 다 갚았다! | 23,17,21 | 80 60 95 95 80 90 05 00 00 00 | 1 | 00
월세가 또 올라서 이사를 가야 할 것 같다. | 25,14,3 | 70 70 90 80 05 10 10 40 00 40 | - | -
충동적으로 비싼 운동화를 샀는데 카드값을 보니 후회된다. | 24,9 | 40 30 90 90 10 20 05 00 00 50 | 1 | 70 | 운동화를 장바구니에만 넣어 두고 월급날까지 기다렸다. | 0
주식으로 석 달 치 월급을 날렸다. | 25,24,14 | 80 60 95 95 05 10 05 05 00 80 | 1 | 80 | 석 달 치 월급을 그대로 적금에 넣어 두었다. | 0
보너스 일부를 동네 아동센터에 기부했다. | 17,5 | 50 40 90 80 60 90 30 00 90 20 | 1 | 00 | 보너스를 전부 혼자 여행 경비로 썼다. | 1
더치페이하자고 해 놓고 계산할 때만 되면 화장실에 가는 친구가 있다. | 3,11 | 40 20 90 95 05 30 10 40 00 05 | 0 | 20
연말정산 환급금이 생각보다 많이 나왔다. | 26,17 | 50 10 90 90 50 90 05 00 00 00 | - | -
중고 거래에서 하자를 숨기고 물건을 팔았다. | 24,19 | 40 30 80 90 05 20 05 60 00 30 | 0 | 70 | 중고 거래 글에 하자를 솔직하게 적고 값을 깎아서 팔았다. | 0
식당에서 옆 테이블 할머니 밥값을 몰래 계산했다. | 17,5 | 50 20 90 95 60 90 05 00 60 10 | 1 | 00
적금 만기일이라 통장을 보는데 괜히 뿌듯했다. | 21,17 | 50 30 95 95 60 90 05 00 00 00 | 1 | 00
집주인이 보증금을 돌려주지 않고 연락을 피한다. | 2,14 | 80 70 80 80 05 10 10 80 00 50 | 0 | 20
요즘 물가가 어떻게 이렇게까지 오를 수 있는지 모르겠다. | 6,3 | 40 60 80 80 05 20 70 30 00 20 | - | -
동생 학원비를 내주느라 내 여행 계획을 접었다. | 5,9 | 50 40 90 90 50 50 05 00 60 40 | 1 | 20
복권이 오천 원 당첨됐다. | 1,17 | 20 05 95 95 20 90 05 00 00 00 | - | -
가계부를 석 달째 쓰고 있는데 돈이 어디로 새는지 이제야 알겠다. | 22 | 40 50 80 80 60 80 05 00 00 00 | 1 | 00
택시 기사님이 길을 일부러 돌아간 것 같다. | 10,3 | 40 05 50 95 05 30 05 40 00 20 | 0 | -
버스에서 임산부에게 자리를 양보했다. | 5 | 30 10 90 95 40 90 05 00 40 05 | 1 | 00 | 버스에서 임산부를 보고도 자는 척했다. | 1
길고양이에게 돌을 던지는 아이들을 말렸다. | 2,5 | 50 20 80 95 40 60 10 00 30 10 | 1 | 00 | 길고양이에게 돌을 던지는 아이들을 보고도 그냥 지나쳤다. | 1
시험 중에 옆 사람 답안지를 슬쩍 봤다. | 19,24 | 40 20 70 95 10 20 10 40 00 40 | 0 | 70 | 모르는 문제는 비워 두고 시험을 끝냈다. | 0
주차하다가 옆 차를 긁었는데 연락처를 남기고 왔다. | 21,24 | 40 20 90 95 40 60 05 10 00 30 | 1 | 10 | 옆 차를 긁은 걸 아무도 못 봤으니 그냥 떠났다. | 1
분리수거가 귀찮아서 그냥 일반 쓰레기에 다 버렸다. | 24,1 | 10 20 90 95 05 40 20 30 00 05 | 0 | 30
동네 할머니 장바구니를 집 앞까지 들어 드렸다. | 5,17 | 30 10 90 95 50 90 05 00 40 05 | 1 | 00 | 무거운 장바구니를 든 할머니를 보고도 그냥 지나쳤다. | 1
회사 비품 볼펜을 몇 자루 집에 가져왔다. | 27,12 | 05 05 90 95 10 70 05 05 00 05 | 1 | 15
새치기하는 사람에게 줄을 서 달라고 정중하게 말했다. | 4,21 | 40 10 80 95 40 60 10 05 20 10 | 1 | 05 | 새치기하는 사람을 보고도 그냥 참았다. | 1
내 실수로 생긴 일인데 후배 탓으로 돌렸다. | 24,12 | 60 40 80 95 05 10 10 70 00 50 | 0 | 85 | 내 실수였다고 팀장님께 솔직하게 말씀드렸다. | 0
층간소음 때문에 윗집 현관에 정중한 쪽지를 붙였다. | 3,19 | 40 20 70 90 30 40 10 10 00 10 | 1 | 20
엘리베이터 안에서 담배를 피우는 사람을 보고 너무 역겨웠다. | 11,2 | 50 10 90 95 05 20 10 40 00 05 | 0 | -
익명 게시판에 싫어하는 교수님 험담을 올렸다. | 24,19 | 40 30 80 90 05 20 20 60 00 30 | 0 | 65 | 수업에 대한 불만을 강의평가에 정중하게 적었다. | 0
아무도 없는 새벽에 빨간불인데도 횡단보도를 건넜다. | 27 | 05 05 90 95 10 70 05 10 00 10 | 1 | 10
산에 갔다가 다른 사람들이 버린 쓰레기까지 주워 왔다. | 21,4 | 30 20 90 90 50 90 30 00 20 05 | 1 | 00
편의점에서 유통기한 지난 도시락을 파는 걸 보고 점주에게 말했다. | 4,11 | 30 10 80 95 40 60 20 05 10 05 | 1 | 05
시골 할머니께 필요도 없는 정수기 렌털을 비싸게 팔아 실적을 채웠다. | 24,11 | 50 50 90 90 05 10 10 80 00 40 | 0 | 75 | 할머니께 필요 없는 제품이라고 솔직하게 말씀드렸다. | 0
친구의 과제 표절을 알았지만 교수님께 말하지 않았다. | 19,6 | 40 40 60 80 20 30 20 30 00 20 | - | 40
지난번에 말이 너무 심했어. 정말 미안해. | 24 | 50 30 80 95 50 60 05 00 00 10 | 1 | 20
후배에게 괜히 화풀이한 게 마음에 걸려서 커피를 사 주며 사과했다. | 24,5,23 | 40 20 80 95 60 70 05 00 00 10 | 1 | 10 | 후배에게 화풀이한 일을 모른 척 넘어갔다. | 1
택배 기사님이 늦어서 죄송하다며 몇 번이나 고개를 숙이셨다. | 5,25 | 30 10 90 95 30 60 05 00 00 05 | 1 | 05
사과는 받았지만 솔직히 아직 용서가 안 된다. | 2,25 | 50 60 80 90 10 20 05 20 00 20 | - | -
답장이 늦어서 죄송합니다. 요즘 정신이 없었어요. | 12,24 | 20 05 90 95 30 70 05 05 00 05 | 1 | 10
식당 사장님이 음식에서 머리카락이 나왔다며 음식값을 받지 않으셨다. | 11,26,15 | 40 10 90 95 40 60 05 10 00 10 | 1 | 05
십 년 전에 괴롭혔던 동창에게 용기 내서 사과 메시지를 보냈다. | 24,19,23 | 70 60 60 80 50 50 05 00 10 20 | 1 | 10 | 그 친구도 예전 일은 잊었을 거라고 생각하며 그냥 지냈다. | 1
엄마한테 사과하고 싶은데 막상 얼굴을 보면 말이 안 나온다. | 24,19,12 | 50 50 70 70 20 30 05 10 00 20 | - | 40
내가 잘못한 게 아니어도 분위기를 풀려고 먼저 사과했다. | 4,20 | 40 20 70 95 60 70 05 00 00 15 | 1 | 15 | 그가 먼저 사과할 때까지 한마디도 하지 않았다. | 1
끝까지 사과하지 않고 고집을 부리다가 결국 친구를 잃었다. | 24,25,16 | 80 80 90 70 05 05 05 40 00 70 | 0 | 90 | 먼저 사과하고 친구와 다시 이야기를 나눴다. | 0
우리 반이 합창 대회에서 우승했다! | 13,17,21 | 90 40 95 95 70 90 30 00 00 00 | 1 | -
언니가 드디어 결혼 날짜를 잡았다. | 17,13 | 70 50 90 80 70 90 20 00 00 00 | 1 | -
아버지 칠순 잔치에 먼 친척들까지 다 모였다. | 17,18,15 | 70 30 95 95 60 90 40 00 00 00 | 1 | -
운전면허 시험에 세 번 떨어지고 드디어 붙었다. | 23,21,17 | 70 40 95 95 60 90 05 00 00 00 | 1 | 00
우리 가게 개업 10주년이라 단골손님들께 떡을 돌렸다. | 15,17,21 | 60 30 90 95 60 90 30 00 10 05 | 1 | 00
다음 주에 제주도 여행을 가는데 벌써 설렌다! | 13,8,20 | 70 20 60 40 60 80 05 00 00 00 | - | -
졸업식 날 할머니가 꽃다발을 들고 깜짝 찾아오셨다. | 18,26,15 | 80 40 95 95 60 90 10 00 00 00 | 1 | -
조카가 대학에 합격했다는 소식에 온 가족이 환호했다. | 13,17,0 | 80 40 95 95 70 90 20 00 00 00 | 1 | -
집들이를 했는데 친구들이 손수 만든 선물을 가져왔다. | 15,17,18 | 70 30 95 95 60 90 10 00 00 00 | 1 | 00
생일 파티는 그냥 그랬다. 별일 없었다. | 27 | 10 05 90 90 20 60 05 00 00 00 | - | -
결혼식 축사를 하다가 원고를 잃어버려서 그대로 얼어붙었다. | 12,19,14 | 70 20 95 95 05 20 30 10 00 40 | 1 | 30
드디어 박사 논문 심사를 통과했다. | 23,21,13 | 90 60 95 95 80 80 05 00 00 00 | 1 | 00
엄마 생신이라 처음으로 미역국을 직접 끓여 드렸다. | 18,17,5 | 60 30 90 95 60 90 05 00 00 05 | 1 | 00 | 엄마 생신인데 바빠서 배달 음식을 시켜 드렸다. | 1
연말 시상식에서 내 이름이 불릴 줄은 정말 몰랐다. | 26,21,17 | 80 40 95 95 70 90 10 00 00 00 | 1 | -
팀 회식 대신 다들 일찍 퇴근하기로 했다. | 17,4,23 | 40 10 90 95 40 90 20 00 00 00 | 1 | 00
14년을 함께한 강아지가 오늘 무지개다리를 건넜다. | 16,25 | 95 80 95 95 05 10 10 00 00 50 | - | -
아버지가 돌아가신 지 1년이 지났는데 아직도 전화번호를 못 지우겠다. | 16,25,18 | 80 90 95 80 05 10 05 00 00 40 | - | -
건강검진 결과를 기다리는 게 너무 무섭다. | 14,19 | 70 30 30 60 10 20 05 00 00 30 | - | -
가장 친한 친구가 해외로 이민을 간다. | 25,20 | 60 60 90 80 30 30 05 00 00 20 | - | -
할머니께 마지막으로 전화 드린 게 언제인지 기억이 안 난다. | 22,24,25 | 60 60 80 80 10 20 05 20 00 30 | 0 | 70 | 매주 일요일마다 할머니께 안부 전화를 드렸다. | 0
회사가 부도가 나서 하루아침에 실업자가 됐다. | 25,14,26 | 90 70 95 95 05 05 40 20 00 80 | - | -
결승전에서 한 골 차이로 졌다. | 9,25 | 60 20 95 95 10 30 20 00 00 20 | - | -
엄마가 물려주신 반지를 지하철에서 잃어버렸다. | 25,24,14 | 70 70 90 95 05 10 05 00 00 50 | 1 | 50
이별하고 나니 방이 너무 조용하다. | 25,16 | 60 60 80 95 10 30 05 00 00 30 | - | -
아픈 강아지를 제때 병원에 데려가지 못한 게 계속 마음에 남는다. | 24,16,25 | 80 80 90 80 05 05 05 50 00 60 | 0 | 85 | 강아지가 기운이 없어 보이던 날 바로 병원에 데려갔다. | 0
화재로 할아버지가 평생 일군 과수원이 다 타 버렸다. | 16,25 | 95 90 95 95 05 05 30 00 00 60 | - | -
이사하면서 오래된 일기장을 버렸는데 조금 아쉽다. | 25,22 | 30 30 80 95 20 50 05 00 00 20 | 1 | 40 | 오래된 일기장을 상자에 담아 창고에 보관했다. | 0
키우던 화분이 결국 시들어 버렸다. | 9,25 | 30 20 90 95 05 40 05 00 00 10 | 1 | 30
오늘 저녁 메뉴는 김치찌개다. | 27 | 05 05 90 95 20 90 05 00 00 00 | - | -
내일 오전 10시에 치과 예약이 있다. | 27,19 | 10 05 90 80 20 60 05 00 00 05 | - | -
우산을 안 가져왔는데 마침 비가 그쳐서 다행이다. | 23 | 30 05 90 95 30 90 05 00 00 00 | - | -
이 동네 도서관은 주말에 몇 시까지 하는지 궁금하다. | 7,27 | 05 05 50 50 10 90 05 00 00 00 | - | -
새로 생긴 빵집 앞에 아침부터 줄이 길게 서 있었다. | 7,26 | 20 05 90 95 20 80 20 00 00 00 | - | -
지하철에서 모르는 아이가 나를 보고 손을 흔들며 웃었다. | 1,17 | 40 05 95 95 40 90 05 00 00 00 | 1 | -
퇴근길에 본 노을이 너무 예뻐서 한참을 서 있었다. | 0,17 | 50 10 95 95 40 90 05 00 00 00 | 1 | 00
요즘 왜 이렇게 잠이 안 오는지 모르겠다. | 6,19 | 40 40 70 90 05 30 05 00 00 30 | - | -
다이어트 중인데 밤 12시에 라면을 끓여 먹었다. | 1,24,8 | 30 05 90 95 10 30 05 00 00 20 | 1 | 40 | 라면 대신 물 한 잔 마시고 잠들었다. | 1
그 사람은 왜 매번 약속을 어기는지 정말 이해가 안 된다. | 6,3,9 | 40 40 80 90 05 30 05 30 00 10 | 0 | 20
오랫동안 미뤘던 건강검진을 드디어 받았다. | 23,4 | 30 10 90 90 50 70 05 00 00 00 | 1 | 00 | 건강검진 예약을 또 다음 해로 미뤘다. | 1
출근길 지하철이 고장 나서 한 시간이나 갇혀 있었다. | 3,19,2 | 60 10 95 95 05 30 40 20 00 30 | - | -
며칠을 끙끙대던 문제가 사실 설정 하나 때문이었다는 걸 깨닫고 허탈하면서도 안도했다. | 22,23,1 | 40 05 90 95 40 90 05 00 00 00 | 1 | 00
룸메이트가 며칠째 설거지를 안 해서 싱크대에서 냄새가 난다. | 3,11 | 40 40 90 95 05 30 10 40 00 05 | 0 | 20
단체 채팅방에 올라온 공지가 무슨 뜻인지 도무지 모르겠다. | 6 | 20 05 40 80 30 70 05 00 00 00 | - | -
이웃이 떡을 갖다주셨는데 뭘로 답례를 해야 할지 고민이다. | 6,15 | 30 10 80 90 60 80 10 00 00 00 | 1 | -
치과가 너무 무서워서 예약을 1년째 미루고 있다. | 14,19 | 50 60 70 60 05 20 05 00 00 40 | 1 | 40
동료가 재택근무는 절대 안 된다고 하면서 본인은 휴가지에서 메일을 보낸다. | 10,1 | 30 20 80 90 10 40 20 20 00 05 | 0 | 15
친구가 식당 직원에게 막말하는데 나는 아무 말도 못 하고 가만히 있었다. | 24,10 | 40 30 80 95 05 30 10 30 00 20 | 0 | 60
형이 여자친구 휴대폰을 몰래 보는데, 그게 왜 별일 아니라는 건지 정말 이해가 안 된다. | 10,6,11 | 50 40 70 80 05 20 10 60 00 30 | 0 | 30
"""

VAL_POS = frozenset({2, 9, 16})
TEST_POS = frozenset({5, 12, 19})
EMOTION_WITHHELD_PCT = 15
BENTHAM_WITHHELD_PCT = 30
# fixed salt of the withholding hash; chosen once so that val and test keep (nearly) all
# emotion ids after withholding
WITHHOLD_SALT = 123


def split_of(j: int) -> str:
    """Split of the ``j``-th (0-based) row of a stratum (language x utility_pref)."""
    p = j % 20
    return "val" if p in VAL_POS else "test" if p in TEST_POS else "train"


def withheld(rid: str) -> set[str]:
    """Label keys withheld from record ``rid`` (partial supervision; stable CRC32 rule)."""
    out = set()
    if zlib.crc32(f"{WITHHOLD_SALT}/{rid}/emotion".encode()) % 100 < EMOTION_WITHHELD_PCT:
        out.add("emotion")
    if zlib.crc32(f"{WITHHOLD_SALT}/{rid}/bentham".encode()) % 100 < BENTHAM_WITHHELD_PCT:
        out.add("bentham")
    return out


def _opt(field: str) -> str | None:
    field = field.strip()
    return None if field in ("", "-") else field


def parse_row(line: str, lang: str, k: int) -> dict:
    """One hand-written row -> one record (before withholding)."""
    parts = [p.strip() for p in line.split("|")]
    if len(parts) not in (5, 7):
        raise ValueError(f"{lang} row {k + 1}: expected 5 or 7 fields, got {len(parts)}: {line!r}")
    text, emo, ben, acc, reg = parts[:5]
    rec: dict = {"id": f"{lang}-{k + 1:04d}", "text": text, "lang": lang}
    labels: dict = {}
    if _opt(emo) is not None:
        labels["emotion"] = sorted({int(x) for x in emo.split(",")})
    if _opt(ben) is not None:
        vals = [int(x) for x in ben.split()]
        if len(vals) != len(BENTHAM_KEYS):
            raise ValueError(f"{lang} row {k + 1}: bentham needs {len(BENTHAM_KEYS)} values")
        labels["bentham"] = {
            key: round(v / 100, 2) for key, v in zip(BENTHAM_KEYS, vals, strict=True)
        }
    if _opt(acc) is not None:
        labels["acceptability"] = int(acc)
    if len(parts) == 7:
        rec["counterfactual"] = parts[5]
        labels["utility_pref"] = int(parts[6])
    if _opt(reg) is not None:
        labels["regret"] = round(int(reg) / 100, 2)
    # withhold some annotations, but never leave a record without any label
    for key in sorted(withheld(rec["id"])):
        if key in labels and len(labels) > 1:
            del labels[key]
    rec["labels"] = labels
    return rec


def build() -> dict[str, list[dict]]:
    """All records, grouped by split (English rows first, then Korean, each in block order).

    The split is stratified by language and by ``utility_pref`` (absent / 0 / 1): the
    ``j``-th row of each stratum goes where :func:`split_of` says.
    """
    splits: dict[str, list[dict]] = {"train": [], "val": [], "test": []}
    for lang, block in (("en", EN_ROWS), ("ko", KO_ROWS)):
        lines = [ln for ln in block.strip().splitlines() if ln.strip()]
        seen: Counter = Counter()
        for k, line in enumerate(lines):
            rec = parse_row(line, lang, k)
            stratum = rec["labels"].get("utility_pref")
            splits[split_of(seen[stratum])].append(rec)
            seen[stratum] += 1
    return splits


def write(splits: dict[str, list[dict]]) -> None:
    for name, recs in splits.items():
        with (OUT_DIR / f"{name}.jsonl").open("w", encoding="utf-8", newline="\n") as fh:
            for rec in recs:
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")


def _check(cond: object, msg: object) -> None:
    """Raise ``ValueError(msg)`` unless ``cond`` (kept under ``python -O``, unlike assert)."""
    if not cond:
        raise ValueError(str(msg))


def _is_unit(x: object) -> bool:
    return isinstance(x, float | int) and not isinstance(x, bool) and 0.0 <= x <= 1.0


def validate_record(rec: dict) -> None:
    """Assert one record follows the sample schema."""
    rid = rec.get("id")
    _check(set(rec) <= {"id", "text", "lang", "counterfactual", "labels"}, rid)
    _check(isinstance(rid, str) and re.fullmatch(rf"{rec['lang']}-\d{{4}}", rid), rid)
    _check(rec["lang"] in ("en", "ko"), rid)
    _check(isinstance(rec["text"], str) and rec["text"].strip(), rid)
    labels = rec["labels"]
    _check(isinstance(labels, dict) and labels, f"{rid}: no labels")
    _check(set(labels) <= set(LABEL_KEYS), f"{rid}: unknown label key")
    has_cf = "counterfactual" in rec
    if has_cf:
        cf = rec["counterfactual"]
        _check(isinstance(cf, str) and cf.strip() and cf != rec["text"], rid)
        _check("utility_pref" in labels and "regret" in labels, f"{rid}: cf row needs pref+regret")
    if "emotion" in labels:
        emo = labels["emotion"]
        _check(isinstance(emo, list) and emo, rid)
        _check(all(isinstance(e, int) and 0 <= e < N_EMOTIONS for e in emo), rid)
        _check(len(set(emo)) == len(emo), rid)
    if "bentham" in labels:
        ben = labels["bentham"]
        _check(list(ben) == list(BENTHAM_KEYS), rid)
        _check(all(_is_unit(v) and round(v, 2) == v for v in ben.values()), rid)
    if "acceptability" in labels:
        _check(labels["acceptability"] in (0, 1) and isinstance(labels["acceptability"], int), rid)
    if "utility_pref" in labels:
        _check(has_cf, f"{rid}: utility_pref without counterfactual")
        _check(labels["utility_pref"] in (0, 1) and isinstance(labels["utility_pref"], int), rid)
    if "regret" in labels:
        _check(_is_unit(labels["regret"]), rid)


def validate(splits: dict[str, list[dict]]) -> None:
    """Assert the schema and the coverage requirements over the written files."""
    ids: set[str] = set()
    texts: set[str] = set()
    for name in splits:
        with (OUT_DIR / f"{name}.jsonl").open(encoding="utf-8") as fh:
            recs = [json.loads(line) for line in fh]
        _check(recs == splits[name], f"{name}.jsonl does not round-trip")
        for rec in recs:
            validate_record(rec)
            _check(rec["id"] not in ids, f"duplicate id {rec['id']}")
            _check(rec["text"] not in texts, f"duplicate text {rec['text']!r}")
            ids.add(rec["id"])
            texts.add(rec["text"])
        # every split: both languages, every label key, both classes of the binary labels
        _check({r["lang"] for r in recs} == {"en", "ko"}, name)
        for key in LABEL_KEYS:
            _check(any(key in r["labels"] for r in recs), f"{name}: no {key}")
        for key in ("acceptability", "utility_pref"):
            classes = {r["labels"][key] for r in recs if key in r["labels"]}
            _check(classes == {0, 1}, f"{name}: {key} classes {classes}")
    all_recs = [r for recs in splits.values() for r in recs]
    used = Counter(e for r in all_recs for e in r["labels"].get("emotion", []))
    _check(all(used[e] >= 3 for e in range(N_EMOTIONS)), f"rare emotion ids: {used}")


def report(splits: dict[str, list[dict]]) -> None:
    all_recs = [r for recs in splits.values() for r in recs]
    header = f"{'split':<6} {'rows':>4} {'en':>4} {'ko':>4} {'cf':>4} " + " ".join(
        f"{k:>13}" for k in LABEL_KEYS
    )
    print(header)
    for name, recs in [*splits.items(), ("all", all_recs)]:
        lang = Counter(r["lang"] for r in recs)
        cf = sum("counterfactual" in r for r in recs)
        cols = " ".join(f"{sum(k in r['labels'] for r in recs):>13}" for k in LABEL_KEYS)
        print(f"{name:<6} {len(recs):>4} {lang['en']:>4} {lang['ko']:>4} {cf:>4} {cols}")
    print()
    print(
        "per split and language (rows / emotion / bentham / acceptability / utility_pref / regret):"
    )
    for name, recs in splits.items():
        for lg in ("en", "ko"):
            sub = [r for r in recs if r["lang"] == lg]
            cols = " / ".join(str(sum(k in r["labels"] for r in sub)) for k in LABEL_KEYS)
            print(f"  {name:<5} {lg}: {len(sub)} / {cols}")
    print()
    for name, recs in [*splits.items(), ("all", all_recs)]:
        acc = Counter(r["labels"]["acceptability"] for r in recs if "acceptability" in r["labels"])
        pref = Counter(r["labels"]["utility_pref"] for r in recs if "utility_pref" in r["labels"])
        emo = {e for r in recs for e in r["labels"].get("emotion", [])}
        print(
            f"  {name:<5} acceptability 0/1 = {acc[0]}/{acc[1]}, utility_pref 0/1 = "
            f"{pref[0]}/{pref[1]}, emotion ids present = {len(emo)}/{N_EMOTIONS}"
            + (
                f" (missing {sorted(set(range(N_EMOTIONS)) - emo)})"
                if len(emo) < N_EMOTIONS
                else ""
            )
        )
    used = Counter(e for r in all_recs for e in r["labels"].get("emotion", []))
    print()
    print("emotion id counts (all splits):", " ".join(f"{e}:{used[e]}" for e in range(N_EMOTIONS)))


def add_surd_targets() -> None:
    """Fill ``labels.surd`` with the exact SURD recipe (``redheart_lit.surd.targets``).

    The decomposition is fitted on the train split only and each record of every split
    gets the state-resolved shares of its acceptability state, so the held-out labels do
    not depend on the held-out data.
    """
    import numpy as np

    from redheart_lit.surd import targets as surd_targets

    files = {name: OUT_DIR / f"{name}.jsonl" for name in ("train", "val", "test")}
    records = {
        name: [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        for name, path in files.items()
    }
    complete = [got for rec in records["train"] if (got := surd_targets.record_agents(rec))]
    targets = np.array([t for t, _ in complete])
    shares = surd_targets.per_sample_shares(targets, np.array([a for _, a in complete]))
    by_state = {int(t): shares[i] for i, t in enumerate(targets)}
    for name, recs in records.items():
        for rec in recs:
            got = surd_targets.record_agents(rec)
            if got is not None:
                rec["labels"]["surd"] = surd_targets.round_shares(by_state[got[0]])
        with files[name].open("w", encoding="utf-8", newline="\n") as fh:
            for rec in recs:
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")


def main() -> None:
    splits = build()
    write(splits)
    validate(splits)
    report(splits)
    # Last: the SURD labels are computed from the validated labels written above.
    add_surd_targets()


if __name__ == "__main__":
    main()
