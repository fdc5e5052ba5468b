"""Lines never used to tune anything: how the drawn benches' figures carry to other notes.

The drawn benches (bench.common.drawn_set) write the same 12 English, 6 Vietnamese and 6
Chinese lines at every seed: seeds hold out the images, never the words. Deciding, the
language model's weights, the case prices and the word list were all tuned on drawn notes
of those lines (and the shared real notes), so a figure on them may be a figure for those
words. These lines are other notes' words: names, numbers, units, signs, less common words,
every Vietnamese tone. ``bench.flag_quality --held-out-texts`` and ``bench.correction_effort
--held-out-texts`` draw them in the same fonts and damage, and the English and Vietnamese
lines typed as well (``typewriter``: Nimbus Mono, a face no fitting set is drawn in).

Never tune on them (nor add them to a fitting set): a figure that is better on the bench's
lines than here is the bench's lines, not the reading.
"""

from __future__ import annotations

EN = (
    "Dentist moved to Thursday 9:45",
    "Order 3 x 250 g flour, 2 kg sugar",
    "Email Dr. Okonkwo about the lab results",
    "Wi-Fi password: bluefinch42",
    "Renew car insurance (policy A-7731)",
    "Call Priyanka about the Kyoto trip",
    "Buy printer ink, batteries and glue",
    "Lecture 7: photosynthesis and respiration",
    "Meet Siobhan at the cafe on 5th Ave",
    "Pay the electricity bill, 84.20",
    "Return the hedge trimmer to Gareth",
    "Thesis draft: chapter 2 needs citations",
    "Book flights LHR to SFO, 12-19 Oct",
    "Mum's birthday - order flowers",
    "Ask the landlord about the leaking boiler",
    "Refill prescription: amoxicillin 500 mg",
    "Parent evening on Wed at 6 pm",
    "Cancel the gym membership",
    "Reply to Jurgen about the invoice",
    "Grocery list: oats, lentils, spinach",
    "Fix the squeaky hinge on the back door",
    "Recycling goes out every other Tuesday",
    "Transfer 150 to the savings account",
    "Read pages 112-140 before the seminar",
)
VI = (
    "Mua rau muống và cá thu",
    "Họp phụ huynh lúc bảy giờ tối",
    "Nhớ gọi điện cho bà ngoại",
    "Đóng tiền học cho con trước thứ Sáu",
    "Sửa máy giặt bị rò nước",
    "Ôn tập chương ba môn hóa học",
    "Đặt vé xe khách đi Đà Lạt",
    "Gửi báo cáo cho chị Hương",
    "Tưới cây ngoài ban công",
    "Lấy hộ chiếu ở lãnh sự quán",
    "Khám răng định kỳ vào tháng sau",
    "Mượn sách của thầy Nguyễn Văn Bình",
)
ZH = (
    "周末去超市买水果和面包",
    "下周一交实验报告",
    "给妈妈打电话问候身体",
    "预约牙科检查上午十点",
    "复习高等数学第三章",
    "把快递寄到北京朝阳区",
    "记得交水电费和物业费",
    "和小王讨论项目进度",
    "买去上海的高铁票",
    "晚上八点开家长会",
    "整理书架上的旧杂志",
    "明早七点半跑步",
)
LINES = {"en": EN, "vi": VI, "zh": ZH}
